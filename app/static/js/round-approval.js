/* An approval round on the phone: choose up to K values.
 * Loaded by participant.js when a round of this kind shows; helpers come from Denk.form. */
(function () {
  "use strict";
  const D = window.Denk;
  const el = D.el;
  const t = D.t;
  const F = D.form;

  D.kinds.approval = function (round, draft, form) {
    const names = F.names();
    const cfg = round.config;
    const chosen = (draft.approve = (draft.approve || []).filter((v) => cfg.candidates.indexOf(v) >= 0));
    const note = el("p", { class: "hint", "aria-live": "polite" });
    const list = F.choices(cfg.candidates.map((key) => ({ key: key, label: names[key], info: key })), chosen, cfg.max_approvals, note);
    D.add(form, el("fieldset", null, el("legend", { text: t("approve_values", { k: cfg.max_approvals }) }), note, list));
    return () => (chosen.length ? { approve: chosen.slice() } : F.fail(t("need_values")));
  };
})();
