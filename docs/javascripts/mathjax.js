window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true
  },
  // typeset only what arithmatex marked, and the notebooks' markdown text (marked below)
  options: {ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex"}
};
document$.subscribe(() => {
  document.querySelectorAll(
    ".jp-RenderedMarkdown p, .jp-RenderedMarkdown li, .jp-RenderedMarkdown h2"
  ).forEach((el) => el.classList.add("arithmatex"));
  MathJax.typesetPromise();
});
