window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true
  },
  // typeset only the math that arithmatex marked, and the notebooks' markdown cells
  options: {ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex|jp-RenderedMarkdown"}
};
document$.subscribe(() => { MathJax.typesetPromise(); });
