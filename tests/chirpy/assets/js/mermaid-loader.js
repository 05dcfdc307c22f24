/* Chirpy 7.4.1 _javascript/modules/components/mermaid.js, reduced: each rendered
   ```mermaid block becomes a pre.mermaid, and Mermaid runs with Chirpy's theme for
   the page's mode ('default' in light, 'dark' in dark). */
(function () {
  function setNode(elem) {
    var svgCode = elem.textContent;
    elem.classList.add('d-none');
    var pre = document.createElement('pre');
    pre.classList.add('mermaid');
    pre.appendChild(document.createTextNode(svgCode));
    elem.after(pre);
  }
  var dark = document.documentElement.getAttribute('data-mode') === 'dark';
  [].slice.call(document.getElementsByClassName('language-mermaid')).forEach(setNode);
  mermaid.initialize({ theme: dark ? 'dark' : 'default' });
})();
