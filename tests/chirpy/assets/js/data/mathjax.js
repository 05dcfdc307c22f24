/* Chirpy 7.4.1 assets/js/data/mathjax.js, its Liquid comments left out. */
MathJax = {
  tex: {
    inlineMath: [
      ['$', '$'],
      ['\\(', '\\)']
    ],
    displayMath: [
      ['$$', '$$'],
      ['\\[', '\\]']
    ],
    tags: 'ams'
  }
};
