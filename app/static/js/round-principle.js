/* A principle round on the phone: approve principles for the card, optionally reword one.
 * Loaded by participant.js when a round of this kind shows; helpers come from Denk.form. */
(function () {
  "use strict";
  const D = window.Denk;
  const el = D.el;
  const t = D.t;
  const F = D.form;

  D.kinds.principle = function (round, draft, form) {
    const state = F.state();
    const names = F.names();
    const cfg = round.config;
    const list = state.principles[round.id] || [];
    const ids = list.map((p) => p.id);
    const chosen = (draft.approve = (draft.approve || []).filter((id) => ids.indexOf(id) >= 0));
    if (ids.indexOf(Number(draft.rewording_id)) < 0) draft.rewording_id = "";
    const note = el("p", { class: "hint", "aria-live": "polite" });
    const boxes = F.choices(list.map((p) => ({ key: p.id, label: el("q", { text: p.text }) })), chosen, cfg.max_approvals, note);
    const which = el("select", { id: D.uid("w") }, el("option", { value: "", text: t("reword_none") }), list.map((p) => el("option", { value: p.id, text: p.text.length > 60 ? p.text.slice(0, 57) + "…" : p.text })));
    which.value = draft.rewording_id;
    const text = F.principleField(t("reword_text"), draft.rewording_text || "Ik ", (value) => {
      draft.rewording_text = value;
      F.changed();
    });
    text.hidden = !draft.rewording_id;
    which.addEventListener("change", () => {
      draft.rewording_id = which.value;
      text.hidden = !which.value;
      F.changed();
    });
    D.add(
      form,
      el("p", { class: "hint", text: t("principle_help", { value: names[cfg.value_key] }) }),
      list.length
        ? [el("fieldset", null, el("legend", { text: t("approve_principles", { k: cfg.max_approvals }) }), note, boxes), el("label", { for: which.id, text: t("reword_which") }), which, text]
        : el("p", { class: "notice", text: t("no_principles") })
    );
    return () => {
      const words = draft.rewording_id ? F.cleanPrinciple(draft.rewording_text) : "";
      const rewording = words ? { principle_id: Number(draft.rewording_id), text: words } : null;
      if (!chosen.length && !rewording) F.fail(t("need_principle"));
      return { approve: chosen.slice(), rewording: rewording };
    };
  };
})();
