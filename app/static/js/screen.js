/* The projector: join code and QR (rendered by the server), participant count, the round in
 * focus and, once the facilitator reveals them, its results. It has nothing to type, so it may
 * rebuild freely; it only does so when what it shows changed, not on every tally. */
(function () {
  "use strict";
  const D = window.Denk;
  const el = D.el;
  const t = D.t;
  const app = document.getElementById("app");
  if (!app) return;
  D.loadMessages();
  const stage = document.getElementById("stage");
  const people = document.getElementById("participants");
  const conn = document.getElementById("conn");
  const peopleLabel = document.getElementById("participants-label");
  let shownKey = null;
  let counter = null;

  function render(state) {
    D.setText(people, String(state.participants));
    D.setText(peopleLabel, D.tn("people_label", state.participants));
    if (state.denksessie.status === "ended") return show("ended", [el("h2", { class: "huge", text: t("ended") })]);
    const round = D.focusRound(state);
    if (!round) {
      return show("lobby", [el("h2", { class: "huge", text: t("lobby_title") }), el("p", { class: "lead", text: t("lobby_text") })]);
    }
    const id = String(round.id);
    const res = (state.results || {})[id];
    const texts = (state.principles || {})[id];
    const key = JSON.stringify([round.id, round.status, round.title, round.deadline_at, res, texts]);
    if (key !== shownKey) show(key, roundView(state, round, res, texts));
    D.setText(counter, D.tn("answered", round.n_ballots || 0, { p: state.participants }));
  }

  function show(key, content) {
    if (key === shownKey) return;
    shownKey = key;
    counter = null;
    D.fill(stage, content);
    counter = stage.querySelector(".answered");
    D.tick();
  }

  function roundView(state, round, res, texts) {
    const names = D.byKey(state);
    const parts = [
      el("p", { class: "kicker", text: t("round_n", { n: round.position + 1 }) + " · " + t("kind_" + round.kind) }),
      el("h2", { class: "round-title", text: round.title }),
      el("div", { class: "round-meta" }, el("p", { class: "answered" }), round.status === "open" ? D.countdown(round.deadline_at) : el("p", { class: "closed-note", text: t("closed") })),
    ];
    if (round.kind === "casus") {
      const casus = (state.casussen || {})[String(round.config.casus_id)] || {};
      parts.push(
        el(
          "div",
          { class: "casus" },
          res ? null : el("p", { class: "situation", text: casus.situation }),
          el("p", { class: "question", text: casus.decision_question })
        )
      );
    } else if (round.kind !== "principle") {
      if (!res) parts.push(el("h3", { text: t("candidates") }), el("ul", { class: "chips" }, round.config.candidates.map((k) => el("li", { text: names[k] || k }))));
    } else {
      parts.push(el("h3", { text: t("principle_value", { value: names[round.config.value_key] || round.config.value_key }) }));
      if (!res) parts.push(el("ul", { class: "principle-list" }, (texts || []).map((p) => el("li", null, el("q", { text: p.text })))));
    }
    if (res) {
      parts.push(
        el("h3", { text: t("results") }),
        D.renderResults(round, res, { names: names, limit: 6, principles: true, principleLimit: 2, principleTexts: texts, twijfel: round.config.allow_twijfel !== false })
      );
    } else {
      parts.push(el("p", { class: "waiting", text: t("waiting_results") }));
    }
    return parts;
  }

  new D.Client({
    code: app.getAttribute("data-code"),
    role: "screen",
    token: app.getAttribute("data-token"),
    onState: render,
    onStatus: (name) => {
      D.setText(conn, name === "online" ? "" : t("conn_" + name));
    },
    onFatal: (kind) => show("fatal", [el("h2", { class: "huge", text: t("fatal_" + kind) })]),
  }).start();
})();
