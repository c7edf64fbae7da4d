/* An open question on the phone: one to three short answers in your own words, each with a
 * character counter. Loaded by participant.js when a round of this kind shows; the answers go
 * the way of every ballot (outbox, ack), and stay in the fields after sending, to change. */
(function () {
  "use strict";
  const D = window.Denk;
  const el = D.el;
  const t = D.t;
  const F = D.form;

  D.kinds.open = function (round, draft, form) {
    const cfg = round.config;
    const max = cfg.max_length;
    if (!Array.isArray(draft.answers)) {
      const own = (F.state().own_ballots || {})[round.id];
      draft.answers = own && own.payload && own.payload.answers ? own.payload.answers.slice() : [];
    }
    while (draft.answers.length < cfg.max_answers) draft.answers.push("");
    draft.answers = draft.answers.slice(0, cfg.max_answers);
    const fields = draft.answers.map((value, i) => {
      const id = D.uid("a");
      const area = el("textarea", { id: id, name: "answer", maxlength: max, rows: 3, "aria-describedby": id + "-n" });
      const counter = el("p", { class: "counter", id: id + "-n" });
      const count = () => D.setText(counter, t("chars", { n: area.value.length, max: max }));
      area.value = value;
      area.addEventListener("input", () => {
        draft.answers[i] = area.value;
        count();
        F.changed();
      });
      count();
      const label = cfg.max_answers > 1 ? t(i ? "open_answer_more" : "open_answer_n", { n: i + 1 }) : t("open_answer");
      return el("div", { class: "field" }, el("label", { for: id, text: label }), area, counter);
    });
    // The question is the round's heading unless the round has a title of its own.
    const asked = cfg.question.replace(/\s+/g, " ").trim();
    D.add(form, asked === round.title ? null : el("p", { class: "open-question", text: asked }), cfg.max_answers > 1 ? el("p", { class: "hint", text: t("open_help", { k: cfg.max_answers }) }) : null, fields);
    return () => {
      const answers = draft.answers.map((text) => (text || "").replace(/\s+/g, " ").trim()).filter(Boolean);
      if (!answers.length) F.fail(t("need_answer"));
      if (answers.some((text) => text.length > max)) F.fail(t("answer_too_long", { max: max }));
      return { answers: answers };
    };
  };
})();
