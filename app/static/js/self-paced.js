/* A self-paced denksessie on the phone (docs/decisions/0033): every round is open until the
 * closing time, so the phone shows a list of the rounds, each with its own status (nog te doen,
 * niet verstuurd, bewaard, gesloten), and the participant answers them in any order. A round
 * opens in the ordinary form of participant.js, with a way back to the list. Drafts and the
 * outbox live in localStorage here, not sessionStorage: a self-paced denksessie runs for days,
 * and a closed tab must not lose what was typed. Loaded before participant.js, on a
 * self-paced denksessie's page only. */
(function () {
  "use strict";
  const D = window.Denk;
  const el = D.el;
  const t = D.t;
  let chosen = null; // the round on screen; null: the list
  let last = null; // the round just left, focused again in the list

  function storage() {
    try {
      const probe = "dks:probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return window.sessionStorage;
    }
  }

  // The closing time in the phone's own time zone and language.
  function when(iso) {
    const at = iso && new Date(/Z|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + "Z");
    if (!at || isNaN(at)) return "";
    return at.toLocaleString(document.documentElement.lang || "nl", { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" });
  }

  // mine(roundId) -> {own, pending, dirty}: what participant.js knows of the own answer.
  function statusOf(round, mine) {
    const it = mine(String(round.id));
    if (round.status !== "open") return it.own ? "sp_saved_closed" : "sp_closed";
    if (it.pending || it.dirty) return "sp_unsent";
    return it.own ? "sp_saved" : "sp_todo";
  }

  // Rebuilt only when something on it changed, not on every tally: a screen reader keeps its
  // place in a list that stays put.
  let shown = "";
  function list(view, state, mine, rerender) {
    const rounds = (state.rounds || []).filter((r) => r.status !== "draft");
    const closed = state.denksessie.closed || !rounds.some((r) => r.status === "open");
    const saved = rounds.filter((r) => mine(String(r.id)).own).length;
    const key = JSON.stringify([closed, state.denksessie.closes_at, rounds.map((r) => [r.id, r.title, statusOf(r, mine)])]);
    if (key === shown && view.querySelector(".self-paced") && !last) return;
    shown = key;
    const heading = D.uid("sp");
    const items = rounds.map((round) => {
      const status = statusOf(round, mine);
      return el(
        "li",
        null,
        el(
          "button",
          {
            type: "button",
            class: "sp-round sp-" + status,
            "data-fk": "sp:" + round.id,
            onclick: () => {
              chosen = round.id;
              rerender();
            },
          },
          el("span", { class: "sp-title" }, el("span", { class: "sp-kicker", text: t("round_n", { n: round.position + 1 }) + " · " + t("kind_" + round.kind) }), el("span", { text: round.title })),
          el("span", { class: "sp-status", text: t(status) })
        )
      );
    });
    const closing = when(state.denksessie.closes_at);
    D.fill(
      view,
      el(
        "section",
        { class: "self-paced", "aria-labelledby": heading },
        el("h2", { id: heading, tabindex: "-1", text: t("sp_title") }),
        el("p", { text: closed ? t("sp_closed_text") : t("sp_text", { when: closing }) }),
        el("p", { class: "muted", text: t("sp_progress", { n: saved, m: rounds.length }) }),
        el("ul", { class: "sp-list" }, items)
      )
    );
    const back = last && view.querySelector('[data-fk="sp:' + last + '"]');
    last = null;
    if (back) back.focus();
  }

  // The way back to the list, on top of a round's form.
  function backButton(rerender) {
    return el("button", {
      type: "button",
      class: "sp-back small",
      "data-fk": "sp-back",
      text: t("sp_back"),
      onclick: () => {
        last = chosen;
        chosen = null;
        rerender();
      },
    });
  }

  D.selfPaced = {
    storage: storage(),
    focus: (state) => (chosen && D.round(state, chosen)) || null,
    list: list,
    backButton: backButton,
  };
})();
