/* Chirpy 7.4.1 _javascript/modules/components/mermaid.js, reduced to what a page load does:
   each element of class language-mermaid gives Mermaid its textContent in a new pre.mermaid
   after its parent, which is hidden; Mermaid runs with Chirpy's theme for the page's mode
   ('default' in light, 'dark' in dark). setNode is Chirpy's, word for word. */
(function () {
  const MERMAID = 'mermaid';

  function setNode(elem) {
    const svgCode = elem.textContent;
    const backup = elem.parentElement;
    backup.classList.add('d-none');
    // Create mermaid node
    const mermaid = document.createElement('pre');
    mermaid.classList.add(MERMAID);
    const text = document.createTextNode(svgCode);
    mermaid.appendChild(text);
    backup.after(mermaid);
  }

  const dark = document.documentElement.getAttribute('data-mode') === 'dark';
  const basicList = document.getElementsByClassName('language-mermaid');
  [...basicList].forEach(setNode);
  mermaid.initialize({ theme: dark ? 'dark' : 'default' });
})();
