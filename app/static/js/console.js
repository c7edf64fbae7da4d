/* The facilitator's console: create a denksessie (/console), then run it (/console/{id}).
 *
 * Controls go over HTTP (fetch JSON); what they changed comes back over the facilitator's
 * websocket as a `state` frame, like every other update. Round cards are built once and updated
 * in place, so a timer being typed or a focused button survives the ten tallies a second.
 */
(function () {
  "use strict";
  const D = window.Denk;
  const el = D.el;
  const t = D.t;
  D.loadMessages();

  // --- /console: the illustrative replay of 2024, run by the server --------------------------------
  const replay = document.getElementById("replay");
  if (replay) {
    replay.addEventListener("click", () => {
      const status = document.getElementById("replay-status");
      replay.disabled = true;
      status.textContent = replay.getAttribute("data-busy");
      D.api("POST", "/api/v1/demo/traject").then(
        (result) => {
          status.textContent = "";
          D.add(
            status,
            el("a", { href: result.card_url, text: replay.getAttribute("data-done") }),
            " " + replay.getAttribute("data-traject") + " ",
            el("a", { href: "/console/trajecten/" + result.traject_id, text: "#" + result.traject_id })
          );
          replay.disabled = false;
        },
        (error) => {
          status.textContent = error.message;
          replay.disabled = false;
        }
      );
    });
  }

  // --- /console: create ------------------------------------------------------------------------------
  // In eigen tempo (decision 0033): the closing time typed in the browser's own time zone.
  function selfPaced(data) {
    const typed = create.elements.closes_at.value;
    const at = typed ? new Date(typed) : null;
    data.self_paced = true;
    data.closes_at = at && !isNaN(at) ? at.toISOString() : null;
  }
  const create = document.getElementById("create-form");
  if (create) {
    create.addEventListener("submit", (event) => {
      event.preventDefault();
      const error = document.getElementById("create-error");
      const data = {
        title: create.elements.title.value.trim(),
        catalogue: create.elements.catalogue.value,
        casus_ids: Array.prototype.filter
          .call(create.querySelectorAll("input[name=casus_ids]"), (box) => box.checked)
          .map((box) => Number(box.value)),
        roles: create.elements.roles.value
          .split("\n")
          .map((role) => role.trim())
          .filter((role, i, all) => role && all.indexOf(role) === i),
        show_results_live: create.elements.show_results_live.checked,
        room_size: Number(create.elements.room_size.value) || 60,
        require_pin: create.elements.require_pin.checked,
      };
      if (create.elements.self_paced && create.elements.self_paced.checked) selfPaced(data);
      if (!data.title) {
        error.textContent = create.getAttribute("data-need-title") || "";
        create.elements.title.focus();
        return;
      }
      D.api("POST", "/api/v1/denksessies", data)
        .then((created) => (location.href = created.console_url))
        .catch((problem) => (error.textContent = problem.message));
    });
  }

  // --- /console/{id}: run ----------------------------------------------------------------------------
  const app = document.getElementById("app");
  if (!app || !app.getAttribute("data-id")) return;
  const base = "/api/v1/denksessies/" + app.getAttribute("data-id");
  const roundsBox = document.getElementById("rounds");
  const peopleBox = document.getElementById("people");
  const status = document.getElementById("console-status");
  const alertBox = document.getElementById("console-alert");
  const lockButton = document.getElementById("lock-button");
  const endButton = document.getElementById("end-button");
  let state = null;
  let names = {};
  const cards = {};
  let peopleKey = "";
  // An ended denksessie: everything read-only, from the HTTP snapshot (its socket is closed).
  const ended = app.getAttribute("data-ended") === "1";
  // Private notes per round: read from their own endpoint, never part of the shared state.
  let notes = {};
  const notesLoaded = D.api("GET", base + "/notes").then(
    (answer) => (notes = answer.notes || {}),
    () => {}
  );

  // Duplicate: the same programme again, as a new denksessie.
  const duplicateButton = document.getElementById("duplicate-button");
  if (duplicateButton) {
    duplicateButton.addEventListener("click", () => {
      duplicateButton.disabled = true;
      call("/duplicate", {}, t("did_duplicate")).then(
        (copy) => (location.href = copy.console_url),
        () => (duplicateButton.disabled = false)
      );
    });
  }

  // Joining settings: the expected room size (the join budget follows it) and the room PIN.
  const roomForm = document.getElementById("room-form");
  if (roomForm) {
    roomForm.addEventListener("submit", (event) => {
      event.preventDefault();
      D.setText(alertBox, "");
      const size = Number(roomForm.elements.room_size.value);
      D.api("PATCH", base, {
        room_size: size >= 1 ? size : null,
        require_pin: roomForm.elements.require_pin.checked,
      }).then(
        (room) => {
          D.setText(document.getElementById("room-pin"), room.room_pin || "–");
          D.setText(
            document.getElementById("room-budget"),
            t("room_budget").replace("{n}", room.join_budget)
          );
          D.setText(status, t("room_saved"));
        },
        (problem) => D.setText(alertBox, problem.message)
      );
    });
  }

  function call(path, body, done) {
    D.setText(alertBox, "");
    return D.api("POST", base + path, body === undefined ? {} : body)
      .then((answer) => {
        D.setText(status, done || t("done"));
        return answer;
      })
      .catch((problem) => {
        D.setText(alertBox, problem.message);
        throw problem;
      });
  }
  const quiet = () => {};

  // A button that asks once more before it acts; the same element, so focus stays on it.
  function confirming(button, label, ask, act) {
    let armed = 0;
    button.addEventListener("click", () => {
      if (Date.now() - armed > 5000) {
        armed = Date.now();
        D.setText(button, t(ask));
        setTimeout(() => {
          if (armed && Date.now() - armed >= 5000) D.setText(button, t(label));
        }, 5100);
        return;
      }
      armed = 0;
      D.setText(button, t(label));
      act();
    });
  }

  if (lockButton) {
    lockButton.addEventListener("click", () => {
      const locked = !(state && state.denksessie.join_locked);
      call("/lock", { locked: locked }, t(locked ? "locked" : "unlocked")).catch(quiet);
    });
  }
  if (endButton) confirming(endButton, "end", "confirm_end", () => call("/end", {}, t("ended")).catch(quiet));

  // Deleting participant data now (ended only): ballots, names and roles go, results stay.
  const purgeButton = document.getElementById("purge-button");
  if (purgeButton) {
    confirming(purgeButton, "purge", "confirm_purge", () => {
      D.setText(alertBox, "");
      D.api("DELETE", base + "/raw-data").then(
        (gone) => {
          D.fill(document.getElementById("purge-state"), t("purged"));
          D.setText(status, t("did_purge", { n: gone.participants_deleted }));
          loadEnded();
        },
        (problem) => D.setText(alertBox, problem.message)
      );
    });
  }

  // --- rounds ----------------------------------------------------------------------------------------
  function roundCard(round) {
    const id = round.id;
    const path = "/rounds/" + id;
    const timerId = D.uid("timer");
    const card = {
      box: el("article", { class: "round-card", "aria-labelledby": "round-title-" + id }),
      kicker: el("p", { class: "kicker" }),
      title: el("h3", { id: "round-title-" + id }),
      badge: el("p", { class: "badge" }),
      answered: el("p", { class: "answered" }),
      visibility: el("p", { class: "muted" }),
      countdown: el("p", { class: "countdown-slot" }),
      primary: el("button", { type: "button", class: "primary" }),
      reopen: el("button", { type: "button", text: t("reopen") }),
      reveal: el("button", { type: "button" }),
      minutes: el("input", { id: timerId, type: "number", min: "0.5", max: "60", step: "0.5", value: "3", inputmode: "decimal" }),
      start: el("button", { type: "button", text: t("timer_start") }),
      stop: el("button", { type: "button", text: t("timer_stop") }),
      results: el("div", { class: "card-results" }),
      note: el("textarea", { id: "note-" + id, rows: "2", maxlength: "2000", "aria-describedby": "note-hint-" + id }),
      noteState: el("span", { id: "note-hint-" + id, class: "hint", text: t("note_hint") }),
      resultsKey: "",
    };
    card.primary.addEventListener("click", () => {
      const next = card.next;
      if (next.action === "add_next") return document.getElementById("round-kind").focus();
      if (next.action === "reveal") return call(path + "/reveal", { revealed: true }, t("did_reveal")).catch(quiet);
      const target = next.action === "next_round" ? "/rounds/" + next.roundId + "/open" : path + "/" + next.action;
      call(target, {}, t(next.action === "next_round" ? "did_open" : "did_" + next.action)).catch(quiet);
    });
    card.note.value = notes[String(id)] || "";
    card.note.addEventListener("change", () => {
      D.setText(alertBox, "");
      D.api("PUT", base + path + "/note", { note: card.note.value }).then(
        (saved) => {
          notes[String(id)] = saved.note || "";
          D.setText(card.noteState, t("note_saved") + " " + t("note_hint"));
        },
        (problem) => D.setText(alertBox, problem.message)
      );
    });
    card.reopen.addEventListener("click", () => call(path + "/reopen", {}, t("did_reopen")).catch(quiet));
    card.reveal.addEventListener("click", () => call(path + "/reveal", { revealed: !card.round.revealed }, t(card.round.revealed ? "did_hide" : "did_reveal")).catch(quiet));
    card.start.addEventListener("click", () => {
      const seconds = Math.round(60 * Number(card.minutes.value || 0));
      call(path + "/timer", { seconds: Math.max(1, Math.min(3600, seconds)) }, t("did_timer")).catch(quiet);
    });
    card.stop.addEventListener("click", () => call(path + "/timer", { seconds: 0 }, t("did_timer_stop")).catch(quiet));
    D.add(
      card.box,
      el("header", { class: "card-head" }, el("div", null, card.kicker, card.title), card.badge),
      el("div", { class: "card-facts" }, card.answered, card.countdown, card.visibility),
      el(
        "div",
        { class: "controls" },
        card.primary,
        card.reveal,
        card.reopen,
        el("span", { class: "timer" }, el("label", { for: timerId, text: t("timer_minutes") }), card.minutes, card.start, card.stop)
      ),
      card.results,
      el(
        "div",
        { class: "private-note" },
        el("label", { for: "note-" + id, text: t("note_label") }),
        card.note,
        card.noteState
      )
    );
    return card;
  }

  function moderate(principle) {
    const hidden = !!principle.hidden;
    return el(
      "span",
      { class: "moderation" },
      hidden ? el("span", { class: "badge muted", text: t("hidden_principle") }) : null,
      el("button", {
        type: "button",
        class: "small",
        "data-fk": "mod:" + principle.id,
        text: hidden ? t("show_principle") : t("hide_principle"),
        onclick: () => call("/principles/" + principle.id + (hidden ? "/show" : "/hide"), {}, t("did_principle")).catch(quiet),
      })
    );
  }

  // An open question's answers: pick several to merge, hide or show one, undo a merge. What
  // is picked survives the redraws of a live tally (per round, by answer key).
  const picked = {};
  function answerModeration(round) {
    const path = "/rounds/" + round.id + "/answers/";
    const pick = (picked[round.id] = picked[round.id] || []);
    return (entry) =>
      el(
        "span",
        { class: "moderation moderation-open" },
        entry.hidden ? el("span", { class: "badge muted", text: t("hidden_principle") }) : null,
        el("label", { class: "check" }, el("input", { type: "checkbox", "aria-label": t("answer_pick") + ": " + entry.text, checked: pick.indexOf(entry.key) >= 0, onchange: (event) => toggleKey(pick, entry.key, event.target.checked, round) }), " " + t("answer_pick")),
        el("button", {
          type: "button",
          class: "small",
          "data-fk": "hide:" + encodeURIComponent(entry.key),
          text: entry.hidden ? t("answer_show") : t("answer_hide"),
          onclick: () => call(path + (entry.hidden ? "show" : "hide"), { keys: [entry.key] }, t("did_answers")).catch(quiet),
        }),
        (entry.merged || []).length
          ? el("button", {
              type: "button",
              class: "small",
              text: t("answer_unmerge"),
              onclick: () => call(path + "unmerge", { keys: entry.merged.map((m) => m.key) }, t("did_answers")).catch(quiet),
            })
          : null
      );
  }
  function toggleKey(pick, key, on, round) {
    const at = pick.indexOf(key);
    if (on && at < 0) pick.push(key);
    if (!on && at >= 0) pick.splice(at, 1);
    const button = document.getElementById("merge-" + round.id);
    if (button) {
      D.setText(button, t("answer_merge", { n: pick.length }));
      button.disabled = pick.length < 2;
    }
  }
  // What the projector shows of the open question: switchable while the room looks at it.
  function displayChoice(round) {
    const id = "show-" + round.id;
    const choice = el(
      "select",
      { id: id, "data-fk": id, onchange: (event) => call("/rounds/" + round.id + "/display", { show: event.target.value }, t("did_display")).catch(quiet) },
      ["both", "cloud", "wall"].map((show) => el("option", { value: show, text: t("display_" + show) }))
    );
    choice.value = round.config.show || "both";
    return el("p", { class: "display-choice" }, el("label", { for: id, text: t("display_label") }), choice);
  }

  function mergeBar(round) {
    const pick = (picked[round.id] = picked[round.id] || []);
    const button = el("button", {
      type: "button",
      id: "merge-" + round.id,
      text: t("answer_merge", { n: pick.length }),
      disabled: pick.length < 2,
      onclick: () =>
        call("/rounds/" + round.id + "/answers/merge", { keys: pick.slice(), into: pick[0] }, t("did_answers"))
          .then(() => pick.splice(0, pick.length))
          .catch(quiet),
    });
    return el("div", { class: "merge-bar" }, el("p", { class: "hint", text: t("answer_merge_help") }), button);
  }

  // Quotes for the card (decision 0031): any reason or principle of a casus round can be kept as
  // a quote; picked ones show a badge and a button to take them off again.
  function quoteButton(round, res, value, text, pick) {
    const quote = (res.quotes || []).filter((q) => q.value === value && q.text === text)[0];
    return quote
      ? [
          el("span", { class: "badge", text: t("quote_picked") }),
          el("button", { type: "button", class: "small", text: t("quote_drop"), onclick: () => call("/quotes/" + quote.id + "/remove", {}, t("did_quote_drop")).catch(quiet) }),
        ]
      : el("button", { type: "button", class: "small", text: t("quote_pick"), onclick: () => call("/quotes", Object.assign({ round_id: round.id }, pick), t("did_quote")).catch(quiet) });
  }

  function casusModerate(round, res) {
    const valueOf = {};
    Object.keys(res.principles || {}).forEach((value) => res.principles[value].forEach((p) => (valueOf[p.id] = value)));
    return (principle) => {
      const box = moderate(principle);
      if (!principle.hidden && valueOf[principle.id]) D.add(box, " ", quoteButton(round, res, valueOf[principle.id], principle.text, { principle_id: principle.id }));
      return box;
    };
  }

  // "Waarom?": per value the reasons of each side, with hide/show and "as quote".
  function reasonsPanel(round, res) {
    const entries = (res.reasons || []).filter((e) => ["toekennen", "niet_toekennen", "twijfel"].some((d) => e.sides[d].reasons.length));
    if (!entries.length) return null;
    const sideList = (entry, decision) => {
      const data = entry.sides[decision];
      if (!data || !data.reasons.length) return null;
      return el(
        "div",
        { class: "why-side" },
        el("h5", { text: t("why_" + decision) + " (" + data.n + ")" }),
        el(
          "ul",
          { class: "principle-list" },
          data.reasons.map((r) =>
            el(
              "li",
              { class: r.hidden ? "is-hidden" : null },
              el("q", { text: r.text }),
              r.count > 1 ? " (" + r.count + "×)" : "",
              el(
                "span",
                { class: "moderation" },
                r.hidden ? el("span", { class: "badge muted", text: t("hidden_principle") }) : null,
                el("button", {
                  type: "button",
                  class: "small",
                  "data-fk": "why:" + r.id,
                  text: r.hidden ? t("show_principle") : t("hide_principle"),
                  onclick: () => call("/rounds/" + round.id + "/reasons/" + r.id + (r.hidden ? "/show" : "/hide"), {}, t("did_reason")).catch(quiet),
                }),
                r.hidden ? null : [" ", quoteButton(round, res, entry.value, r.text, { reason_id: r.id, side: decision })]
              )
            )
          )
        )
      );
    };
    return el(
      "section",
      { class: "reasons-panel", "aria-label": t("why_title") },
      el("h4", { text: t("why_title") }),
      entries.map((entry) =>
        el(
          "div",
          { class: "why-value" + (entry.both_sides ? " why-both" : "") },
          el("h5", null, names[entry.value] || entry.value, entry.both_sides ? el("span", { class: "badge", text: "⇄ " + t("why_both") }) : null),
          ["toekennen", "niet_toekennen", "twijfel"].map((d) => sideList(entry, d))
        )
      )
    );
  }

  function updateCard(card, round) {
    card.round = round;
    const open = round.status === "open";
    D.setText(card.kicker, t("round_n", { n: round.position + 1 }) + " · " + t("kind_" + round.kind));
    D.setText(card.title, round.title);
    D.setText(card.badge, t("status_" + round.status));
    card.badge.className = "badge badge-" + round.status;
    card.box.className = "round-card round-" + round.status;
    D.setText(card.answered, D.tn("answered", round.n_ballots || 0, { p: state.participants }));
    card.next = nextAction(round);
    D.setText(card.primary, t(card.next.action));
    D.setText(card.reveal, t(round.revealed ? "hide" : "reveal"));
    // The main button already reveals: no second "Uitslag tonen" beside it.
    card.reveal.hidden = card.next.action === "reveal";
    card.reopen.hidden = round.status !== "closed";
    D.setText(card.visibility, state.denksessie.show_results_live ? t("live_results") : t(round.revealed ? "revealed" : "not_revealed"));
    card.box.querySelector(".controls").hidden = ended;
    card.visibility.hidden = ended;
    card.start.disabled = card.stop.disabled = card.minutes.disabled = !open;
    if ((card.countdown.getAttribute("data-deadline") || "") !== (round.deadline_at || "")) {
      if (round.deadline_at) card.countdown.setAttribute("data-deadline", round.deadline_at);
      else {
        card.countdown.removeAttribute("data-deadline");
        card.countdown.textContent = "";
      }
      card.countdown.className = round.deadline_at ? "countdown-slot countdown" : "countdown-slot";
      D.tick();
    }
    const res = (state.results || {})[String(round.id)];
    const texts = (state.principles || {})[String(round.id)];
    const key = JSON.stringify([res, texts, round.config.show]);
    if (key !== card.resultsKey) {
      card.resultsKey = key;
      const isOpen = round.kind === "open";
      const casus = res && round.kind === "casus";
      const mod = isOpen ? answerModeration(round) : casus ? casusModerate(round, res) : moderate;
      D.fill(card.results, res ? D.renderResults(round, res, { names: names, limit: isOpen ? 0 : 25, principles: true, principleTexts: texts, moderate: mod, twijfel: round.config.allow_twijfel !== false }) : null, res && isOpen && !ended ? [mergeBar(round), displayChoice(round)] : casus ? reasonsPanel(round, res) : null);
    }
  }

  // What a facilitator does next with a round: open it, close it, show its result, then open
  // the next round (or add one). Reopening a closed round is the secondary button.
  function nextAction(round) {
    if (round.status === "draft") return { action: "open" };
    if (round.status === "open") return { action: "close" };
    if (!round.revealed && !state.denksessie.show_results_live) return { action: "reveal" };
    const later = (state.rounds || []).filter((r) => r.position > round.position && r.status === "draft")[0];
    const anyOpen = (state.rounds || []).some((r) => r.status === "open");
    if (later && !anyOpen) return { action: "next_round", roundId: later.id };
    return { action: "add_next" };
  }

  function renderRounds() {
    const rounds = state.rounds || [];
    if (!rounds.length) {
      if (!roundsBox.querySelector(".muted-empty")) D.fill(roundsBox, el("p", { class: "muted-empty", text: t("no_rounds") }));
      return;
    }
    const empty = roundsBox.querySelector(".muted-empty");
    if (empty) roundsBox.removeChild(empty);
    rounds.forEach((round, i) => {
      let card = cards[round.id];
      if (!card) {
        card = cards[round.id] = roundCard(round);
        roundsBox.insertBefore(card.box, roundsBox.children[i] || null);
      }
      updateCard(card, round);
    });
  }

  // --- participants ----------------------------------------------------------------------------------
  function renderPeople() {
    const list = state.participant_list || [];
    const key = JSON.stringify(list);
    if (key === peopleKey) return;
    peopleKey = key;
    if (!list.length) return D.fill(peopleBox, el("p", { class: "muted", text: t("no_people") }));
    D.fill(
      peopleBox,
      el(
        "ul",
        { class: "people-list" },
        list.map((p) => {
          const button = ended ? null : el("button", { type: "button", class: "small danger", "data-fk": "rm:" + p.id, text: t("remove") });
          if (button) confirming(button, "remove", "confirm_remove", () => call("/participants/" + encodeURIComponent(p.id) + "/remove", {}, t("did_remove")).catch(quiet));
          return el(
            "li",
            null,
            el("span", { class: "who" }, el("strong", { text: p.display_name || t("anonymous") }), p.role ? " · " + p.role : "", el("span", { class: "extra", text: " " + p.id.slice(0, 6) })),
            button
          );
        })
      )
    );
  }

  function render(next) {
    state = next;
    names = D.byKey(state);
    D.setText(document.getElementById("participants"), String(state.participants));
    if (lockButton) D.setText(lockButton, t(state.denksessie.join_locked ? "unlock" : "lock"));
    renderRounds();
    renderPeople();
  }

  function loadEnded() {
    D.api("GET", base).then(render, (problem) => D.setText(alertBox, problem.message));
  }
  if (ended) {
    notesLoaded.then(loadEnded);
    return;
  }

  const client = new D.Client({
    code: app.getAttribute("data-code"),
    role: "facilitator",
    token: app.getAttribute("data-token"),
    onState: render,
    onStatus: (name) => D.setText(document.getElementById("conn"), t("conn_" + name)),
    onFatal: (kind) => {
      // Ended (here or elsewhere): the page comes back read-only with every result.
      if (kind === "ended") return location.reload();
      D.setText(alertBox, t("fatal_" + kind));
    },
    onFrame: (frame) => {
      if (frame.type === "error") D.setText(alertBox, frame.message);
    },
  });
  notesLoaded.then(() => client.start());

  // --- adding a round ------------------------------------------------------------------------------
  const form = document.getElementById("round-form");
  const kind = document.getElementById("round-kind");
  const sets = form.querySelectorAll("fieldset[data-kinds]");
  function showKind() {
    for (let i = 0; i < sets.length; i++) {
      const on = sets[i].getAttribute("data-kinds").split(" ").indexOf(kind.value) >= 0;
      sets[i].hidden = !on;
      sets[i].disabled = !on;
    }
  }
  kind.addEventListener("change", showKind);
  showKind();
  const value = (id) => document.getElementById(id).value;
  const int = (id) => parseInt(value(id), 10);

  document.getElementById("take-top").addEventListener("click", () => {
    const casusRounds = (state ? state.rounds : []).filter((r) => r.kind === "casus" && state.results[String(r.id)]);
    const last = casusRounds[casusRounds.length - 1];
    const named = last ? (state.results[String(last.id)].values || []).slice(0, 5).map((v) => v.value) : [];
    if (!named.length) return D.setText(document.getElementById("round-error"), t("no_casus_round"));
    form.querySelectorAll("input[name=candidates]").forEach((box) => (box.checked = named.indexOf(box.value) >= 0));
    D.setText(status, t("took_top", { n: named.length }));
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const error = document.getElementById("round-error");
    D.setText(error, "");
    const k = kind.value;
    const candidates = Array.prototype.filter
      .call(form.querySelectorAll("input[name=candidates]"), (box) => box.checked)
      .map((box) => box.value);
    let config;
    if (k === "casus") {
      const casus = document.getElementById("casus-id");
      config = { casus_id: casus ? Number(casus.value) : 0, max_values: int("max-values") || 3, allow_twijfel: document.getElementById("allow-twijfel").checked };
      const ask = document.getElementById("ask-reasons");
      if (ask && !ask.checked) config.reasons = false;
    } else if (k === "open") {
      config = { question: value("open-question").trim(), max_answers: int("open-answers") || 1, max_length: int("open-length") || 120, show: value("open-show") };
    } else if (k === "principle") {
      config = { value_key: value("value-key"), max_approvals: int("principle-approvals") || 3 };
    } else if (k === "schuur") {
      // Without chosen values, the server takes the casus's values in tension.
      config = { candidates: candidates, max_pairs: int("max-pairs") || 2 };
      if (value("schuur-casus")) config.casus_id = Number(value("schuur-casus"));
      else if (candidates.length < 2) return D.setText(error, t("need_candidates"));
    } else {
      if (candidates.length < 2) return D.setText(error, t("need_candidates"));
      config = { candidates: candidates };
      if (k === "ranking") config.top_k = int("top-k") || null;
      if (k === "points") {
        config.mode = value("points-mode");
        config.budget = int("budget") || 100;
      }
      if (k === "approval") config.max_approvals = int("max-approvals") || 3;
    }
    D.api("POST", base + "/rounds", { kind: k, title: form.elements.title.value.trim(), config: config })
      .then(() => {
        D.setText(status, t("round_added"));
        form.elements.title.value = "";
        document.getElementById("open-question").value = "";
      })
      .catch((problem) => D.setText(error, problem.message));
  });
})();
