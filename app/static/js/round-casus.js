/* A casus round on the phone: decide, pick 1..K values (search and cluster filter), say
 * why per value ("Waarom?", when the round asks it) and write a leading principle ("Ik ...")
 * per value.
 * Loaded by participant.js when a round of this kind shows; helpers come from Denk.form. */
(function () {
  "use strict";
  const D = window.Denk;
  const el = D.el;
  const t = D.t;
  const F = D.form;

  D.kinds.casus = function (round, draft, form) {
    const state = F.state();
    const names = F.names();
    const cfg = round.config;
    const casus = state.casussen[cfg.casus_id] || {};
    const k = cfg.max_values;
    const values = (draft.values = (draft.values || []).filter((v) => v in names));
    const texts = (draft.principles = draft.principles || {});
    const why = (draft.reasons = draft.reasons || {});
    const asksWhy = cfg.reasons !== false;
    const REASON_MAX = 280;
    const group = D.uid("decision");
    const decisions = ["toekennen", "niet_toekennen"].concat(cfg.allow_twijfel ? ["twijfel"] : []);
    const note = el("p", { class: "hint", "aria-live": "polite" });
    const search = el("input", { type: "search", id: D.uid("q"), autocomplete: "off" });
    const clusters = {};
    state.values.forEach((v) => (clusters[v.cluster] = v.cluster_name));
    const cluster = el("select", { id: D.uid("c") }, el("option", { value: "", text: t("all_clusters") }), Object.keys(clusters).map((c) => el("option", { value: c, text: clusters[c] })));
    // An intervisie offers only its card's values, and maybe one other value (decision 0034).
    const offered = cfg.offered || null;
    const options = state.values.filter((v) => !offered || offered.indexOf(v.key) >= 0).map((v) => ({ key: v.key, label: v.name, extra: v.cluster_name, cluster: v.cluster, info: v.key }));
    const none = el("p", { class: "muted", text: t("no_match") });
    const principles = el("div", { class: "principles" });
    const fields = {};
    const reasons = el("div", { class: "reasons" });
    const reasonFields = {};
    const fold = (s) => s.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    function filter() {
      const q = fold(search.value.trim());
      let shown = 0;
      options.forEach((o) => {
        o.li.hidden = values.indexOf(o.key) < 0 && ((cluster.value && o.cluster !== cluster.value) || fold(o.label + " " + o.extra).indexOf(q) < 0);
        shown += o.li.hidden ? 0 : 1;
      });
      none.hidden = shown > 0;
    }
    // "Waarom?": one short text per chosen value, with a character counter.
    function reasonField(key) {
      const id = D.uid("w");
      const area = el("textarea", { id: id, maxlength: REASON_MAX, rows: 2, "aria-describedby": id + "-n" });
      const counter = el("p", { class: "counter", id: id + "-n" });
      const count = () => D.setText(counter, t("chars", { n: area.value.length, max: REASON_MAX }));
      area.value = why[key] || "";
      area.addEventListener("input", () => {
        count();
        why[key] = area.value;
        F.changed();
      });
      count();
      return el("div", { class: "field" }, el("label", { for: id }, t("reason_for") + " ", el("strong", { text: names[key] }), "?"), area, counter);
    }
    function showReasons() {
      Object.keys(reasonFields).forEach((key) => {
        if (values.indexOf(key) < 0) {
          reasons.removeChild(reasonFields[key]);
          delete reasonFields[key];
        }
      });
      values.forEach((key) => {
        reasonFields[key] = reasonFields[key] || reasonField(key);
        reasons.appendChild(reasonFields[key]);
      });
      reasons.parentNode.hidden = !values.length;
    }
    // One text area per chosen value; kept (with what is typed) while the value stays chosen.
    function showPrinciples() {
      if (asksWhy) showReasons();
      Object.keys(fields).forEach((key) => {
        if (values.indexOf(key) < 0) {
          principles.removeChild(fields[key]);
          delete fields[key];
        }
      });
      values.forEach((key) => {
        fields[key] =
          fields[key] ||
          F.principleField([t("principle_for") + " ", el("strong", { text: names[key] })], key in texts ? texts[key] : "Ik ", (text) => {
            texts[key] = text;
            F.changed();
          });
        principles.appendChild(fields[key]);
      });
      principles.parentNode.hidden = !values.length;
    }
    const list = F.choices(options, values, k, note, showPrinciples);
    const other = offered && cfg.allow_other ? otherPicker() : null;
    // "Een andere waarde": one value of the catalogue that the round does not offer.
    function otherPicker() {
      const rest = state.values.filter((v) => offered.indexOf(v.key) < 0);
      const select = el("select", { id: D.uid("o") }, el("option", { value: "", text: t("other_none") }), rest.map((v) => el("option", { value: v.key, text: v.name })));
      select.value = values.filter((v) => offered.indexOf(v) < 0)[0] || "";
      select.disabled = !F.open();
      select.addEventListener("change", () => {
        const before = values.filter((v) => offered.indexOf(v) < 0);
        before.forEach((v) => F.toggle(values, v, false));
        if (select.value && values.length >= k) {
          select.value = "";
          D.setText(note, t("picked_full"));
        } else if (select.value) F.toggle(values, select.value, true);
        const full = values.length >= k;
        list.querySelectorAll("input[type=checkbox]").forEach((box) => (box.disabled = !F.open() || (full && !box.checked)));
        if (select.value || !full) D.setText(note, t("picked", { n: values.length, k: k }) + (full ? " " + t("picked_full") : ""));
        showPrinciples();
        F.changed();
      });
      return el("div", { class: "field other-value" }, el("label", { for: select.id, text: t("other_value") }), select);
    }
    search.addEventListener("input", filter);
    cluster.addEventListener("change", filter);
    D.add(
      form,
      el("div", { class: "casus" }, el("p", { class: "situation", text: casus.situation }), el("p", { class: "question", text: casus.decision_question })),
      el(
        "fieldset",
        { class: "decisions" },
        el("legend", { text: t("your_decision") }),
        decisions.map((d) => {
          const id = D.uid("d");
          const input = el("input", { type: "radio", name: group, id: id, value: d, checked: draft.decision === d });
          input.addEventListener("change", () => {
            draft.decision = d;
            F.changed();
          });
          return el("div", { class: "decision decision-" + d }, input, el("label", { for: id, text: t("decision_" + d) }));
        })
      ),
      el(
        "fieldset",
        null,
        el("legend", { text: t("which_values", { k: k }) }),
        note,
        offered ? null : [el("label", { for: search.id, text: t("search_value") }), search, el("label", { for: cluster.id, text: t("cluster") }), cluster],
        list,
        other,
        none
      ),
      asksWhy ? el("div", null, el("h3", { text: t("reasons_title") }), el("p", { class: "hint", text: t("reasons_hint") }), reasons) : null,
      el("div", null, el("h3", { text: t("principles_title") }), el("p", { class: "hint", text: t("principles_hint") }), principles)
    );
    showPrinciples();
    filter();
    return () => {
      if (!draft.decision) F.fail(t("need_decision"));
      if (!values.length) F.fail(t("need_values"));
      const out = {};
      values.forEach((key) => {
        const text = F.cleanPrinciple(texts[key]);
        if (text) out[key] = text;
      });
      const ballot = { decision: draft.decision, values: values.slice(), principles: out };
      if (asksWhy) {
        const said = {};
        values.forEach((key) => {
          const text = (why[key] || "").replace(/\s+/g, " ").trim();
          if (text) said[key] = text;
        });
        if (Object.keys(said).length) ballot.reasons = said;
      }
      return ballot;
    };
  };
})();
