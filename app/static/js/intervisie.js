/* The intervisie form's light privacy hint: while typing, words that may be a name or a place
 * (a capital inside a sentence) and digits that look like a date are named under the fields.
 * A hint only: the server decides nothing on it (the checklist is what it enforces).
 * The same rules as app/cards/intervisie.py:privacy_hints. */
(function () {
  "use strict";
  const box = document.getElementById("privacy-hints");
  if (!box) return;
  const messages = JSON.parse(box.getAttribute("data-messages"));
  const fields = Array.prototype.slice.call(document.querySelectorAll("[data-privacy-check]"));
  const MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december";
  const DATES = [/\b\d{1,2}[-/.]\d{1,2}(?:[-/.]\d{2,4})?\b/g, new RegExp("\\b\\d{1,2} (?:" + MONTHS + ")\\b", "gi"), /\b(?:19|20)\d{2}\b/g];
  const WORD = /[A-Za-zÀ-ÖØ-öø-ÿ][\wÀ-ÖØ-öø-ÿ'’-]*/g;
  const END = /[.!?:;"“”‘’(]\s*$|^\s*$/;
  function hints(text) {
    const names = [];
    const dates = [];
    let m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text))) {
      const w = m[0];
      const line = text.slice(0, m.index).split("\n").pop();
      if (w[0] !== w[0].toLowerCase() && w !== w.toUpperCase() && !END.test(line) && names.indexOf(w) < 0) names.push(w);
    }
    DATES.forEach((re) => {
      re.lastIndex = 0;
      while ((m = re.exec(text))) if (dates.indexOf(m[0]) < 0) dates.push(m[0]);
    });
    return { NAMES: names.slice(0, 5), DATES: dates.slice(0, 5) };
  }
  let timer = null;
  function show() {
    const found = hints(fields.map((f) => f.value).join("\n"));
    box.textContent = "";
    ["NAMES", "DATES"].forEach((code) => {
      if (!found[code].length) return;
      const p = document.createElement("p");
      p.className = "privacy-hint";
      p.textContent = messages[code].replace("{words}", found[code].join(", "));
      box.appendChild(p);
    });
  }
  fields.forEach((f) =>
    f.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(show, 400);
    })
  );
})();
