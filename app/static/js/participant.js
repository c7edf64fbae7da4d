/* The phone: lobby, a form per round kind (round-<kind>.js), "opgeslagen" on ack, results.
 * Never lose an answer: a draft per round and an outbox of sent ballots live in sessionStorage;
 * a ballot is sent again with the same msg_id until acked (the server counts it once). A form is
 * rebuilt, from the draft, only when its round changes (another, opened, closed). */
(function () {
  "use strict";
  const D = window.Denk;
  const el = D.el;
  const t = D.t;
  const app = document.getElementById("app");
  D.loadMessages();
  const code = app.getAttribute("data-code");
  const $ = (id) => document.getElementById(id);
  const view = $("view");

  const PREFIX = "dks:" + code + ":";
  // A self-paced denksessie (self-paced.js, loaded on its page only) keeps drafts in localStorage.
  const paced = D.selfPaced || null;
  const storage = (paced && paced.storage) || sessionStorage;
  function load(key) {
    try {
      return JSON.parse(storage.getItem(PREFIX + key));
    } catch (e) {
      return null;
    }
  }
  function store(key, value) {
    try {
      storage.setItem(PREFIX + key, JSON.stringify(value));
    } catch (e) {
      /* private mode or full: the draft lives in memory only */
    }
  }

  let state = null;
  let names = {};
  let ui = null; // the round on screen
  const outbox = load("outbox") || {}; // round id -> {msg_id, round_id, kind, payload, sent}
  const saveOutbox = () => store("outbox", outbox);

  const client = new D.Client({
    code: code,
    role: "participant",
    token: app.getAttribute("data-token"),
    onState: onState,
    onFrame: onFrame,
    onStatus: (name) => {
      D.setText($("conn"), t("conn_" + name));
      $("conn").className = "conn conn-" + name;
      if (ui) showStatus();
    },
    onFatal: fatal,
  });

  function fatal(kind) {
    if (kind === "unauthorised") return location.assign("/j/" + code);
    ui = null;
    D.setText($("alert"), "");
    D.fill(view, el("h2", { class: "notice", text: t("fatal_" + kind) }));
  }

  function onState(next, reason) {
    state = next;
    names = D.byKey(state);
    D.setText($("count"), D.tn("participants", state.participants));
    if (reason === "snapshot") {
      // The snapshot says which outbox entries the server already has; the rest go again.
      Object.keys(outbox).forEach((rid) => {
        const mine = (state.own_ballots || {})[rid];
        if (mine && mine.client_msg_id === outbox[rid].msg_id) delete outbox[rid];
        else outbox[rid].sent = 0;
      });
    }
    if (state.denksessie.status === "ended") return fatal("ended");
    const round = paced ? paced.focus(state) : D.focusRound(state);
    if (!round && paced && state.denksessie.status !== "lobby") return selfPacedList(reason);
    if (!round) {
      if (ui || !view.querySelector(".lobby p")) lobby();
      return (ui = null);
    }
    const key = [round.id, round.status, round.kind === "principle" ? JSON.stringify(state.principles[round.id]) : ""].join();
    if (!D.kinds[round.kind] || needsForms(round)) return withKind(round);
    if (!ui || ui.key !== key) build(round, key);
    ui.round = round;
    update();
    flush(reason === "snapshot");
  }

  // Self-paced: the list of rounds, each with the participant's own status (self-paced.js).
  function selfPacedList(reason) {
    ui = null;
    const mine = (rid) => ({
      own: !!(state.own_ballots || {})[rid],
      pending: !!outbox[rid],
      dirty: !!(load("draft:" + rid) || {}).dirty,
    });
    paced.list(view, state, mine, () => onState(state, "state"));
    flush(reason === "snapshot");
  }

  function flush(all) {
    const now = Date.now();
    Object.keys(outbox).forEach((rid) => {
      const item = outbox[rid];
      if (!all && now - item.sent < 8000) return;
      if (client.send({ type: "ballot", msg_id: item.msg_id, round_id: item.round_id, kind: item.kind, payload: item.payload })) item.sent = now;
    });
    saveOutbox();
    if (ui) showStatus();
  }
  setInterval(flush, 3000); // an ack that never came: send again (same msg_id)

  function onFrame(frame) {
    const mine = ui && String(ui.round.id);
    if (frame.type === "ack") {
      const rid = String(frame.round_id);
      const item = outbox[rid];
      if (!item || item.msg_id !== frame.msg_id) return;
      state.own_ballots = state.own_ballots || {};
      state.own_ballots[rid] = { payload: item.payload, revision: frame.revision, client_msg_id: item.msg_id };
      delete outbox[rid];
      saveOutbox();
      if (mine === rid) {
        D.setText(ui.error, "");
        showStatus();
      }
      if (!ui && paced && state.denksessie.status !== "lobby") selfPacedList("ack");
    } else if (frame.type === "error") {
      let target = $("alert");
      Object.keys(outbox).forEach((rid) => {
        if (!frame.msg_id || outbox[rid].msg_id !== frame.msg_id) return;
        if (frame.retry) outbox[rid].sent = Date.now() - 5000;
        else delete outbox[rid];
        if (mine === rid) target = ui.error;
        if (mine === rid && !frame.retry) changed(); // refused: an unsent draft again
      });
      saveOutbox();
      D.setText(target, frame.message);
      if (ui) showStatus();
    }
  }

  function lobby() {
    const you = state.you || {};
    const who = [you.display_name, you.role].filter(Boolean).join(" · ");
    D.fill(view, el("section", { class: "lobby" }, el("h2", { text: t("lobby_title") }), el("p", { text: t("lobby_text") }), who && el("p", { class: "muted", text: t("you_are", { who: who }) })));
  }

  // --- a round ------------------------------------------------------------------------------
  // Each kind's form is a script (round-<kind>.js; shared parts in round-forms.js first), fetched
  // when such a round first shows; meanwhile the phone keeps showing what it showed.
  const loading = {};
  const FORMS = { casus: 1, approval: 1, principle: 1 };
  const needsForms = (round) => !D.form.choices && (FORMS[round.kind] || Object.keys(round.config.principles || {}).length);
  function withKind(round) {
    const kind = needsForms(round) ? "forms" : round.kind;
    if (loading[kind]) return;
    const script = (loading[kind] = el("script", { src: "/static/js/round-" + kind + ".js" }));
    script.onload = () => onState(state, "state");
    script.onerror = () => {
      delete loading[kind];
      document.head.removeChild(script);
    };
    document.head.appendChild(script);
  }

  function fromPayload(kind, p) {
    if (!p) return {};
    if (kind === "casus") return { decision: p.decision, values: p.values, principles: p.principles };
    if (kind === "ranking") return { order: p.ranking };
    if (kind === "points") return { points: p.points };
    if (kind === "schuur") return { pairs: p.pairs };
    const r = p.rewording || {};
    return { approve: p.approve, rewording_id: r.principle_id || "", rewording_text: r.text };
  }

  function build(round, key) {
    const hadFocus = ui && ui.box.contains(document.activeElement);
    const own = (state.own_ballots || {})[round.id];
    const draft = load("draft:" + round.id) || JSON.parse(JSON.stringify(fromPayload(round.kind, own && own.payload)));
    const heading = D.uid("round");
    const form = el("form", { class: "ballot", novalidate: true, "aria-labelledby": heading, onsubmit: submit });
    const closed = round.status !== "open";
    ui = {
      round: round,
      key: key,
      draft: draft,
      form: form,
      status: el("p", { class: "save-status", role: "status" }),
      error: el("p", { class: "error", role: "alert" }),
      warning: el("p", { class: "unsent-warning", role: "alert" }),
      results: el("section", { class: "my-results", hidden: true, "aria-label": t("results") }),
      resultsKey: "",
      said: el("p", { class: "sr-only", "aria-live": "polite" }),
      counter: el("p", { class: "muted" }),
      deadline: el("p", { class: "countdown-slot" }),
      submit: el("button", { type: "submit", class: "primary wide" }),
    };
    ui.kind = D.kinds[round.kind](round, draft, form);
    // Send stays in reach (sticky); an answer unsent at close is said not to count (the draft
    // stays). Results go on top.
    D.add(form, ui.error, el("div", { class: closed ? "submit-bar" : "submit-bar sticky" }, ui.warning, ui.submit, ui.status));
    const lost = closed && draft.dirty && el("p", { class: "unsent", role: "alert", text: t(own ? "unsent_change_closed" : "unsent_closed") });
    ui.box = el(
      "section",
      { class: "round" },
      el("p", { class: "kicker", text: t("round_n", { n: round.position + 1 }) + " · " + t("kind_" + round.kind) }),
      el("h2", { id: heading, tabindex: "-1", text: round.title }),
      ui.deadline,
      ui.counter,
      closed && el("p", { class: "notice", text: t("round_closed") }),
      lost,
      ui.said,
      ui.results,
      form
    );
    if (paced) ui.box.insertBefore(paced.backButton(() => onState(state, "state")), ui.box.firstChild);
    if (closed) form.querySelectorAll("input, button:not(.info), select, textarea").forEach((c) => (c.disabled = true));
    D.fill(view, ui.box);
    if (hadFocus || document.activeElement === document.body) ui.box.querySelector("h2").focus();
  }

  function update() {
    const round = ui.round;
    D.setText(ui.counter, D.tn("answered", round.n_ballots, { p: state.participants }));
    if ((ui.deadline.getAttribute("data-deadline") || "") !== (round.deadline_at || "")) {
      ui.deadline.textContent = "";
      ui.deadline.removeAttribute("data-deadline");
      if (round.deadline_at) ui.deadline.setAttribute("data-deadline", round.deadline_at);
      ui.deadline.className = "countdown-slot" + (round.deadline_at ? " countdown" : "");
      D.tick();
    }
    const res = (state.results || {})[round.id];
    const resKey = JSON.stringify(res || "");
    if (resKey !== ui.resultsKey) {
      const revealed = res && ui.results.hidden && ui.resultsKey !== "";
      ui.resultsKey = resKey;
      ui.results.hidden = !res;
      if (res) D.fill(ui.results, el("h2", { text: t("results") }), D.renderResults(round, res, { names: names, limit: 5 /* casus.PHONE_VALUES */, principleTexts: state.principles[round.id] }));
      if (revealed) showRevealed();
    }
    showStatus();
    warnUnsent();
  }

  // Results revealed: announced, and scrolled into view unless someone is typing.
  function showRevealed() {
    D.setText(ui.said, "");
    setTimeout(() => ui && D.setText(ui.said, t("results_shown")), 50);
    if (!/^(text|search|number|textarea)/.test(document.activeElement.type)) ui.results.scrollIntoView();
  }

  // An unsent answer in the timer's last minute: pointed out above the send button.
  function warnUnsent() {
    const iso = ui && ui.round.status === "open" && ui.round.deadline_at;
    const end = iso && Date.parse(/Z|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + "Z");
    const low = !!end && end - (Date.now() + D.clockOffset) <= 60000;
    D.setText(ui && ui.warning, low && (ui.draft.dirty || (outbox[ui.round.id] && !client.ready)) ? t("unsent_warning") : "");
  }
  setInterval(warnUnsent, 1000);

  function showStatus() {
    const own = (state.own_ballots || {})[ui.round.id];
    const pending = outbox[ui.round.id];
    const saved = own && !pending && !ui.draft.dirty;
    let text = "";
    if (pending) text = t(client.ready ? "sending" : "queued");
    else if (own && !open()) text = ui.draft.dirty ? "" : t("saved");
    else if (own) text = ui.draft.dirty ? t("changed") : t("saved") + " " + t("can_change");
    D.setText(ui.status, text);
    ui.status.className = "save-status" + (saved ? " ok" : "");
    D.setText(ui.submit, t(own ? "submit_change" : "submit"));
  }

  function changed() {
    ui.draft.dirty = true;
    store("draft:" + ui.round.id, ui.draft);
    D.setText(ui.error, "");
    showStatus();
    warnUnsent();
  }

  function submit(event) {
    event.preventDefault();
    let payload;
    try {
      payload = ui.kind();
    } catch (problem) {
      return D.setText(ui.error, problem.message);
    }
    const round = ui.round;
    outbox[round.id] = { msg_id: D.msgId(), round_id: round.id, kind: round.kind, payload: payload, sent: 0 };
    ui.draft.dirty = false;
    store("draft:" + round.id, ui.draft);
    D.setText(ui.error, "");
    flush(true);
  }

  function fail(message) {
    throw new Error(message);
  }
  const open = () => ui.round.status === "open";
  const toggle = (list, key, on) => {
    const at = list.indexOf(key);
    if (on && at < 0) list.push(key);
    if (!on && at >= 0) list.splice(at, 1);
  };

  // What a value means, on the ballot: an "i" opens its cluster and opvattingen. [row, panel]
  function explain(key, main) {
    const value = (state.values || []).filter((v) => v.key === key)[0];
    if (!value) return main;
    const said = value.opvattingen || [];
    const panel = el(
      "div",
      { class: "explain", id: D.uid("x"), hidden: true },
      el("p", null, t("cluster") + ": ", el("strong", { text: value.cluster_name })),
      el("ul", null, said.map((text) => el("li", null, el("q", { text: text }))))
    );
    const button = el("button", { type: "button", class: "info", "aria-expanded": "false", "aria-controls": panel.id, "aria-label": t("explain_value", { name: value.name }), text: "i" });
    button.onclick = () => button.setAttribute("aria-expanded", String(!(panel.hidden = !panel.hidden)));
    return [el("div", { class: "info-row" }, main, button), panel];
  }

  D.kinds = {};
  D.form = {
    state: () => state,
    names: () => names,
    open: open,
    changed: changed,
    fail: fail,
    toggle: toggle,
    explain: explain,
  };
  client.start();
})();
