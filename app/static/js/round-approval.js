/* An approval round on the phone: choose up to K values, and, when the round allows it, one
 * other value of the catalogue that is not a candidate (an intervisie, decision 0034).
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
    const allowed = (v) => cfg.candidates.indexOf(v) >= 0 || (cfg.allow_other && v in names);
    const chosen = (draft.approve = (draft.approve || []).filter(allowed));
    const k = cfg.max_approvals;
    const note = el("p", { class: "hint", "aria-live": "polite" });
    const list = F.choices(cfg.candidates.map((key) => ({ key: key, label: names[key], info: key })), chosen, k, note);
    D.add(form, el("fieldset", null, el("legend", { text: t("approve_values", { k: k }) }), note, list, cfg.allow_other ? other() : null));
    // One value that is not a candidate; it counts towards K like a ticked box.
    function other() {
      const rest = F.state().values.filter((v) => cfg.candidates.indexOf(v.key) < 0);
      const select = el("select", { id: D.uid("o") }, el("option", { value: "", text: t("other_none") }), rest.map((v) => el("option", { value: v.key, text: v.name })));
      select.value = chosen.filter((v) => cfg.candidates.indexOf(v) < 0)[0] || "";
      select.disabled = !F.open();
      select.addEventListener("change", () => {
        chosen.filter((v) => cfg.candidates.indexOf(v) < 0).forEach((v) => F.toggle(chosen, v, false));
        if (select.value && chosen.length >= k) {
          select.value = "";
          D.setText(note, t("picked_full"));
        } else if (select.value) F.toggle(chosen, select.value, true);
        const full = chosen.length >= k;
        list.querySelectorAll("input[type=checkbox]").forEach((box) => (box.disabled = !F.open() || (full && !box.checked)));
        if (select.value || !full) D.setText(note, t("picked", { n: chosen.length, k: k }) + (full ? " " + t("picked_full") : ""));
        F.changed();
      });
      return el("div", { class: "field other-value" }, el("label", { for: select.id, text: t("other_value") }), select);
    }
    return () => (chosen.length ? { approve: chosen.slice() } : F.fail(t("need_values")));
  };
})();
