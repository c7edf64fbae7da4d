/* A points round on the phone: steppers per value and the budget left.
 * Loaded by participant.js when a round of this kind shows; helpers come from Denk.form. */
(function () {
  "use strict";
  const D = window.Denk;
  const el = D.el;
  const t = D.t;
  const F = D.form;

  D.kinds.points = function (round, draft, form) {
    const names = F.names();
    const cfg = round.config;
    const budget = cfg.budget;
    const step = cfg.mode === "dots" || budget < 50 ? 1 : 5;
    const points = (draft.points = draft.points || {});
    const left = el("p", { class: "budget", "aria-live": "polite" });
    const spent = () => cfg.candidates.reduce((sum, key) => sum + (points[key] || 0), 0);
    const inputs = {};
    function set(key, value, typing) {
      let n = Math.max(0, Math.floor(Number(value) || 0));
      if (!typing) n = inputs[key].value = Math.min(n, budget - spent() + (points[key] || 0));
      points[key] = n;
      show();
      F.changed();
    }
    function show() {
      const rest = budget - spent();
      D.setText(left, rest >= 0 ? t("points_left", { n: rest, budget: budget }) : t("points_over", { n: -rest }));
      left.classList.toggle("error", rest < 0);
    }
    const list = el(
      "ul",
      { class: "steppers" },
      cfg.candidates.map((key) => {
        const name = names[key];
        const input = (inputs[key] = el("input", { id: D.uid("n"), type: "number", inputmode: "numeric", min: 0, max: budget, value: points[key] || 0 }));
        input.addEventListener("input", () => set(key, input.value, true));
        input.addEventListener("change", () => set(key, input.value));
        return el(
          "li",
          null,
          F.explain(key, el("label", { for: input.id, text: name })),
          el(
            "span",
            { class: "stepper" },
            el("button", { type: "button", "aria-label": t("less_for", { name: name, n: step }), text: "−", onclick: () => set(key, (points[key] || 0) - step) }),
            input,
            el("button", { type: "button", "aria-label": t("more_for", { name: name, n: step }), text: "+", onclick: () => set(key, (points[key] || 0) + step) })
          )
        );
      })
    );
    show();
    D.add(form, el("p", { class: "hint", text: t(cfg.mode === "dots" ? "dots_help" : "points_help", { budget: budget }) }), left, list);
    return () => {
      const total = spent();
      if (total < 1 || total > budget) F.fail(t("points_need", { budget: budget }));
      const out = {};
      cfg.candidates.forEach((key) => points[key] > 0 && (out[key] = points[key]));
      return { points: out };
    };
  };
})();
