// Search results: a snippet of the page's text (see _ext/reading_layout.py). Sphinx's searchtools
// takes the text of the whole [role=main] element, header buttons and table of contents included.
// searchtools.js loads after this file on the search page; both act once the document is parsed.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || !Search.htmlToText) return;
  const LEFT_OUT = [
    ".headerlink", "script", "style", ".bd-header-article", ".bd-sidebar-secondary", ".prev-next-area",
    ".cell_input", ".cell_output", "div.math", "div.highlight", "table", "nav", "footer",
  ];
  const INLINE_MATH = /\\\(|\\\)/g;
  const SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", eta: "η", theta: "θ",
    lambda: "λ", mu: "μ", pi: "π", rho: "ρ", sigma: "σ", tau: "τ", phi: "φ", Phi: "Φ", psi: "ψ",
    omega: "ω", Sigma: "Σ", Delta: "Δ", nabla: "∇", partial: "∂", sum: "∑", infty: "∞", top: "ᵀ",
    cdot: "·", times: "×", le: "≤", leq: "≤", ge: "≥", geq: "≥", to: "→", approx: "≈", ne: "≠",
  };
  // inline TeX as plain text: no delimiters, font commands or braces; Greek letters and symbols as such
  const plainMath = (tex) => tex
    .replace(INLINE_MATH, "")
    .replace(/\\(mathbf|boldsymbol|mathcal|mathrm|mathit|operatorname|text|bm)\s*/g, "")
    .replace(/\\([a-zA-Z]+)/g, (command, name) => SYMBOLS[name] ?? name)
    .replace(/\\[,;:! ]/g, " ")
    .replace(/[{}]/g, "");
  Search.htmlToText = (htmlString, anchor) => {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    const article = doc.querySelector("article.bd-article") || doc.querySelector('[role="main"]');
    if (!article) return "";
    const section = (anchor && article.querySelector(anchor)) || article;
    section.querySelectorAll(LEFT_OUT.join(",")).forEach((el) => el.remove());
    section.querySelectorAll("span.math").forEach((el) => {
      el.textContent = plainMath(el.textContent);
    });
    return section.textContent.replace(/\s+/g, " ").trim();
  };
});
