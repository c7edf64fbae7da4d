/* The projector: join code and QR (rendered by the server), participant count, the round in
 * focus and, once the facilitator reveals them, its results. It has nothing to type, so it may
 * rebuild freely; it only does so when what it shows changed, not on every tally.
 *
 * It never scrolls (docs/decisions/0019-projector-fits-the-screen.md): every view is laid out in
 * a box of the screen's height; a list that does not fit shows its first n rows and "en nog m"
 * for the rest (n found by measuring), a wall of principles is cut into pages that turn by
 * themselves. Live changes move rows and grow bars (FLIP, no library), not under
 * prefers-reduced-motion. Keys: C shows or shrinks the join panel, arrows turn pages, P pauses. */
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
  const joinToggle = document.getElementById("join-toggle");
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)");
  const PAGE_MS = 20000;

  let shownKey = null;
  let counter = null;
  let lastState = null;
  let joinChoice = null; // null: automatic; true or false once someone chose
  let view = null; // {head, pages: [builder], fit: box}
  let pageIndex = 0;
  let paused = false;
  let pageTimer = null;

  // The join panel is large until the room starts: once joining is locked or a round opened, a
  // strip with the code, unless someone asked for it (button or the C key).
  function joinWide(state) {
    if (joinChoice !== null) return joinChoice;
    if (!state || state.denksessie.join_locked) return false;
    return !(state.rounds || []).some((r) => r.status !== "draft");
  }

  function layoutJoin() {
    const wide = joinWide(lastState);
    app.classList.toggle("join-strip", !wide);
    joinToggle.setAttribute("aria-expanded", String(wide));
    D.setText(joinToggle, t(wide ? "join_hide" : "join_show"));
  }

  joinToggle.addEventListener("click", () => {
    joinChoice = !joinWide(lastState);
    layoutJoin();
    refit(null);
  });

  function render(state) {
    lastState = state;
    layoutJoin();
    D.setText(people, String(state.participants));
    D.setText(peopleLabel, D.tn("people_label", state.participants));
    if (state.denksessie.status === "ended") return show("ended", simple(t("ended")));
    if (state.denksessie.self_paced && state.denksessie.status === "running" && !state.denksessie.closed) return selfPacedProgress(state);
    const round = state.denksessie.self_paced && state.denksessie.closed ? tourRound(state) : D.focusRound(state);
    if (!round) return show("lobby", simple(t("lobby_title"), t("lobby_text")));
    const id = String(round.id);
    const res = (state.results || {})[id];
    const texts = (state.principles || {})[id];
    const key = JSON.stringify([round.id, round.status, round.title, round.deadline_at, res, texts, state.values && state.values.length, round.config.show]);
    if (key !== shownKey) show(key, roundView(state, round, res, texts), round.id + ":" + !!res);
    D.setText(counter, D.tn("answered", round.n_ballots || 0, { p: state.participants }));
  }

  // A self-paced denksessie while it runs (decision 0033): how many answered each round, no
  // results; after the close the rounds show as ever, with their results.
  function selfPacedProgress(state) {
    const rounds = (state.rounds || []).filter((r) => r.status !== "draft");
    const key = JSON.stringify(["self-paced", state.participants, state.denksessie.closes_at, rounds.map((r) => [r.id, r.title, r.n_ballots])]);
    const at = new Date(state.denksessie.closes_at || "");
    const when = isNaN(at) ? "" : at.toLocaleString(document.documentElement.lang || "nl", { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" });
    counter = null;
    show(key, {
      head: [el("h2", { class: "round-title", text: t("sp_screen_title") }), el("p", { class: "lead", text: t("sp_screen_lead", { when: when }) })],
      pages: [() => [el("ul", { class: "sp-progress" }, rounds.map((r) => el("li", null, el("span", { class: "sp-progress-title", text: r.title }), el("span", { class: "figure", text: D.tn("answered", r.n_ballots || 0, { p: state.participants }) }))))]],
    });
  }

  // After a self-paced denksessie closed, every round's results in turn, each for as long as its
  // pages take and at least 30 s (the pager and P work as ever).
  const tour = { index: 0, since: 0 };
  function tourRound(state) {
    const ran = (state.rounds || []).filter((r) => r.status !== "draft");
    if (!tour.since) tour.since = Date.now();
    return ran.length ? ran[tour.index % ran.length] : null;
  }
  setInterval(() => {
    const s = lastState;
    if (!s || !s.denksessie.self_paced || !s.denksessie.closed || paused) return;
    const pages = (view && view.pageList && view.pageList.length) || 1;
    if (Date.now() - tour.since < Math.max(30000, pages * PAGE_MS)) return;
    tour.index += 1;
    tour.since = Date.now();
    render(s);
  }, 5000);

  function simple(title, lead) {
    return { head: [], pages: [() => [el("h2", { class: "huge", text: title }), lead ? el("p", { class: "lead", text: lead }) : null]] };
  }

  // sameView: a live change of the view on screen keeps its page and animates; another view
  // starts at its first page.
  function show(key, next, sameView) {
    if (key === shownKey) return;
    const keep = sameView && view && view.same === sameView;
    const before = keep && view.box ? positions(view.box) : null;
    shownKey = key;
    next.same = sameView || key;
    view = next;
    if (!keep) pageIndex = 0;
    const box = el("div", { class: "fit" });
    // A view that may have pages keeps a line for the pager, so cutting them cannot change the
    // room they are cut for.
    const paged = next.pages.length > 1 || next.pages.some((page) => page.wall);
    const pager = el("p", { class: paged ? "pager" : "pager pager-none" });
    D.fill(stage, el("div", { class: "view-head" }, next.head), box, pager);
    view.box = box;
    view.pager = pager;
    counter = stage.querySelector(".answered");
    if (lastState && counter) {
      const round = D.focusRound(lastState);
      if (round) D.setText(counter, D.tn("answered", round.n_ballots || 0, { p: lastState.participants }));
    }
    D.tick();
    refit(before);
    watchSize(box);
  }

  // The box's size changes when a text above it wraps anew (the counter, a countdown, the join
  // strip) or a font arrives: cut the pages again for the new size.
  let observer = null;
  function watchSize(box) {
    if (observer) observer.disconnect();
    if (!window.ResizeObserver) return;
    let size = box.clientWidth + "x" + box.clientHeight;
    observer = new ResizeObserver(() => {
      const now = box.clientWidth + "x" + box.clientHeight;
      if (now === size) return;
      size = now;
      refit(null);
    });
    observer.observe(box);
  }

  // Lay the view out again (a new state, a resize, the join panel moved): the pages are cut
  // anew for the room's current size.
  function refit(before) {
    if (!view || !view.box) return;
    view.pageList = [];
    view.pages.forEach((page) => {
      if (page.wall) view.pageList.push.apply(view.pageList, paginate(view.box, page));
      else view.pageList.push(page);
    });
    if (pageIndex >= view.pageList.length) pageIndex = 0;
    showPage(before);
  }

  function showPage(before) {
    const page = view.pageList[pageIndex];
    const n = view.pageList.length;
    // The pager line first: it takes height from the box the page is fitted into.
    D.setText(view.pager, n > 1 ? t("page_of", { i: pageIndex + 1, n: n }) + (paused ? " · " + t("paused") : "") : "");
    if (page && page.fitRows) fitRows(view.box, page);
    else D.fill(view.box, page ? page() : null);
    if (before) animateFrom(view.box, before);
    schedule();
  }

  function turn(step) {
    if (!view || !view.pageList || view.pageList.length < 2) return;
    pageIndex = (pageIndex + step + view.pageList.length) % view.pageList.length;
    showPage(null);
  }

  function schedule() {
    clearTimeout(pageTimer);
    // At least 20 s a page, longer for more text: some 15 characters a second, read aloud.
    const wait = view && view.box ? Math.max(PAGE_MS, view.box.textContent.length * 70) : PAGE_MS;
    if (!paused && view && view.pageList && view.pageList.length > 1) pageTimer = setTimeout(() => turn(1), wait);
  }

  const fits = (box) => box.scrollHeight <= box.clientHeight + 1 && box.scrollWidth <= box.clientWidth + 1;

  // The most rows that fit (binary search over page.fitRows(n), n from 1 to page.rows).
  function fitRows(box, page) {
    const draw = (n) => D.fill(box, page.fitRows(n));
    draw(page.rows);
    if (fits(box) || page.rows <= 1) return;
    let low = 1;
    let high = page.rows - 1;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      draw(mid);
      if (fits(box)) low = mid;
      else high = mid - 1;
    }
    draw(low);
  }

  // A wall: {wall: [{group, text}], title} cut into pages of what fits; a group that runs on to
  // the next page repeats its name there.
  let cut = { key: null, pages: null };
  function paginate(box, wall) {
    const items = wall.wall;
    if (!items.length) return [() => wall.empty];
    // A live tally redraws the view often; the wall is cut again only when it or the box changed.
    const key = JSON.stringify([wall.title, items, box.clientWidth, box.clientHeight]);
    if (cut.key === key) return cut.pages;
    const pages = [];
    let start = 0;
    while (start < items.length) {
      const from = start;
      const view = (slice) => (wall.view ? wall.view(slice) : wallView(wall, slice, from));
      const draw = (n) => D.fill(box, view(items.slice(from, from + n)));
      let n = 1;
      while (from + n < items.length) {
        draw(n + 1);
        if (!fits(box)) break;
        n += 1;
      }
      const slice = items.slice(from, from + n);
      pages.push(() => view(slice));
      start += n;
    }
    cut = { key: key, pages: pages };
    return pages;
  }

  function wallView(wall, items, from) {
    const groups = [];
    items.forEach((item, i) => {
      let last = groups[groups.length - 1];
      if (!last || last.group !== item.group) {
        const continued = i === 0 && from > 0 && wall.wall[from - 1].group === item.group;
        last = { group: item.group, continued: continued, texts: [] };
        groups.push(last);
      }
      last.texts.push(item.text);
    });
    return [
      wall.title ? el("h3", { text: wall.title }) : null,
      el(
        "div",
        { class: "wall" },
        groups.map((g) =>
          el(
            "section",
            { class: "wall-group", "aria-label": g.group },
            el("h4", { text: g.continued ? t("continued", { value: g.group }) : g.group }),
            el("ul", null, g.texts.map((text) => el("li", null, el("q", { text: text }))))
          )
        )
      ),
    ];
  }

  // FLIP: where each keyed row and its bars were, then play them to where they are now.
  function positions(box) {
    const map = {};
    box.querySelectorAll("[data-key]").forEach((node) => {
      map[node.getAttribute("data-key")] = {
        top: node.getBoundingClientRect().top,
        widths: [].map.call(node.querySelectorAll(".seg"), (s) => s.style.width),
      };
    });
    return map;
  }

  function animateFrom(box, before) {
    if (reduced.matches) return;
    const moves = [];
    box.querySelectorAll("[data-key]").forEach((node) => {
      const old = before[node.getAttribute("data-key")];
      const segs = [].slice.call(node.querySelectorAll(".seg"));
      const target = segs.map((s) => s.style.width);
      segs.forEach((s, i) => (s.style.width = old ? old.widths[i] || "0%" : "0%"));
      const dy = old ? old.top - node.getBoundingClientRect().top : 0;
      if (dy) node.style.transform = "translateY(" + dy + "px)";
      moves.push(() => {
        segs.forEach((s, i) => (s.style.width = target[i]));
        if (dy) {
          node.classList.add("moving");
          node.style.transform = "";
        }
      });
    });
    void box.offsetHeight; // commit the start positions before the transitions begin
    moves.forEach((move) => move());
  }

  function roundView(state, round, res, texts) {
    const names = D.byKey(state);
    const head = [
      el("p", { class: "kicker", text: t("round_n", { n: round.position + 1 }) + " · " + t("kind_" + round.kind) }),
      el("h2", { class: "round-title", text: round.title }),
      el("div", { class: "round-meta" }, el("p", { class: "answered" }), round.status === "open" ? D.countdown(round.deadline_at) : el("p", { class: "closed-note", text: t("closed") }), res ? null : el("p", { class: "waiting", text: t("waiting_results") })),
    ];
    const pages = [];
    const nameOf = (key) => names[key] || key;
    if (round.kind === "casus") {
      const casus = (state.casussen || {})[String(round.config.casus_id)] || {};
      // A situation of up to 3,000 characters: in pages of whole sentences, the question on each.
      const sentences = (casus.situation || "").split(/\n+/).map((part) => [].concat.apply([], part.split(/(?<=[.!?]["”’)]?)\s+/).map(chunks)));
      const pieces = [];
      sentences.forEach((paragraph, i) => paragraph.forEach((sentence, j) => pieces.push({ text: sentence.trim(), starts: j === 0 && i > 0 })));
      if (!res)
        pages.push({
          wall: pieces.filter((piece) => piece.text),
          empty: el("p", { class: "question", text: casus.decision_question }),
          view: (slice) =>
            el(
              "div",
              { class: "casus" },
              slice.reduce((paras, piece) => {
                if (!paras.length || piece.starts) paras.push(el("p", { class: "situation" }));
                D.add(paras[paras.length - 1], (paras[paras.length - 1].firstChild ? " " : "") + piece.text);
                return paras;
              }, []),
              el("p", { class: "question", text: casus.decision_question })
            ),
        });
      else {
        pages.push(rows(round, res, names, res.values.length, [el("p", { class: "question", text: casus.decision_question })]));
        const why = reasonWall(res, nameOf);
        if (why) pages.push(why);
        const wall = [];
        res.values.forEach((v) => ((res.principles || {})[v.value] || []).forEach((p) => p.hidden || wall.push({ group: nameOf(v.value), text: p.text })));
        if (wall.length) pages.push({ wall: wall, title: t("wall_title") });
      }
    } else if (round.kind === "principle") {
      const value = t("principle_value", { value: nameOf(round.config.value_key) });
      if (!res) pages.push({ wall: (texts || []).map((p) => ({ group: value, text: p.text })), empty: el("p", { class: "muted", text: t("no_answers") }) });
      else {
        pages.push(rows(round, res, names, (texts || []).length, [el("h3", { text: value })]));
        const rewordings = res.rewordings.filter((r) => !r.hidden).map((r) => ({ group: t("rewordings"), text: r.text }));
        if (rewordings.length) pages.push({ wall: rewordings });
      }
    } else if (round.kind === "open") {
      openPages(round, res).forEach((page) => pages.push(page));
    } else if (!res) {
      pages.push(() => [el("h3", { text: t("candidates") }), el("ul", { class: "chips" }, round.config.candidates.map((k) => el("li", { text: nameOf(k) })))]);
    } else {
      pages.push(rows(round, res, names, round.config.candidates.length, []));
    }
    return { head: head, pages: pages };
  }

  // An open question: the question until the results show; then the word cloud (as many
  // words as fit, the most used kept) and the wall of answers in pages, or one of the two as the
  // facilitator chose (config.show). Hidden answers never reach the screen (kinds/open.py).
  function openPages(round, res) {
    const asked = round.config.question.replace(/\s+/g, " ").trim();
    const question = () => (asked === round.title ? null : el("p", { class: "open-question", text: asked }));
    if (!res) return [() => [question(), el("p", { class: "waiting", text: t("open_waiting") })]];
    const pages = [];
    const show = round.config.show || "both";
    if (show !== "wall") {
      const cloudPage = (n) => [question(), D.renderResults(round, Object.assign({}, res, { words: res.words.slice(0, n) }), { part: "cloud" })];
      cloudPage.fitRows = cloudPage;
      cloudPage.rows = Math.max(1, res.words.length);
      pages.push(cloudPage);
    }
    if (show !== "cloud")
      pages.push({
        wall: res.entries,
        empty: el("p", { class: "muted", text: t("no_answers") }),
        view: (slice) => [question(), D.renderResults(round, Object.assign({}, res, { entries: slice }), { part: "wall" })],
      });
    return pages;
  }

  // "Waarom?": per value the reasons of the toekenners and the niet-toekenners side by side,
  // values named on both sides first and marked (a badge with words, a heavier frame: not by
  // colour alone). A few reasons per side, the rest counted. The wall is cut by rows (a reason
  // of each side), so a value whose reasons do not fit runs on to the next page.
  const WHY_SHOWN = 3;
  const WHY_SIDES = ["toekennen", "niet_toekennen"];
  function reasonWall(res, nameOf) {
    const entries = (res.reasons || []).filter((e) => WHY_SIDES.some((d) => e.sides[d].n > 0));
    if (!entries.length) return null;
    const items = [];
    entries
      .map((e, i) => ({ e: e, i: i }))
      .sort((a, b) => (b.e.both_sides ? 1 : 0) - (a.e.both_sides ? 1 : 0) || a.i - b.i)
      .forEach((x) => {
        const shown = {};
        WHY_SIDES.forEach((d) => (shown[d] = x.e.sides[d].reasons.filter((r) => !r.hidden).slice(0, WHY_SHOWN)));
        const rows = Math.max(1, shown.toekennen.length, shown.niet_toekennen.length);
        for (let row = 0; row < rows; row++) items.push({ group: nameOf(x.e.value), entry: x.e, shown: shown, row: row, last: row === rows - 1 });
      });
    const side = (part, decision, label) => {
      const first = part[0];
      const data = first.entry.sides[decision];
      const reasons = part.map((item) => item.shown[decision][item.row]).filter((r) => r);
      const rest = data.n - first.shown[decision].reduce((sum, r) => sum + r.count, 0);
      return el(
        "div",
        { class: "why-side why-" + decision },
        el("h5", null, label, " ", el("span", { class: "why-n", text: D.tn("why_count", data.n) })),
        reasons.length ? el("ul", null, reasons.map((r) => el("li", null, el("q", { text: r.text }), r.count > 1 ? el("span", { class: "why-times", text: " (" + r.count + "×)" }) : null))) : first.row === 0 ? el("p", { class: "muted", text: t("why_none") }) : null,
        part[part.length - 1].last && rest > 0 ? el("p", { class: "more", text: D.tn("why_more", rest) }) : null
      );
    };
    return {
      wall: items,
      title: t("why_title"),
      view: (slice) => {
        const parts = [];
        slice.forEach((item) => {
          const last = parts[parts.length - 1];
          if (last && last[0].entry === item.entry) last.push(item);
          else parts.push([item]);
        });
        return [
          el("h3", { text: t("why_title") }),
          el(
            "div",
            { class: "why" },
            parts.map((part) => {
              const entry = part[0].entry;
              const name = part[0].row > 0 ? t("continued", { value: part[0].group }) : part[0].group;
              return el(
                "section",
                { class: "why-value" + (entry.both_sides ? " why-both" : ""), "aria-label": part[0].group, "data-key": "why:" + entry.value + ":" + part[0].row },
                el("h4", null, name, entry.both_sides ? el("span", { class: "why-badge", text: "⇄ " + t("why_both") }) : null),
                el("div", { class: "why-sides" }, side(part, "toekennen", t("why_grant")), side(part, "niet_toekennen", t("why_refuse")))
              );
            })
          ),
        ];
      },
    };
  }

  // A sentence longer than 300 characters in pieces cut at spaces, so a page always holds one.
  function chunks(text) {
    const out = [];
    let rest = text;
    while (rest.length > 300) {
      const cut = rest.lastIndexOf(" ", 300);
      const at = cut > 100 ? cut : 300;
      out.push(rest.slice(0, at));
      rest = rest.slice(at);
    }
    out.push(rest);
    return out;
  }

  // A results page that shows as many rows as fit, the rest summarised.
  function rows(round, res, names, total, before) {
    const page = (n) => [
      before,
      D.renderResults(round, res, {
        names: names,
        limit: n,
        top: n,
        more: (rest) => D.tn("more_values", rest),
        wins: true,
        summaryFirst: true,
        noRewordings: true,
        principles: false,
        principleTexts: (lastState.principles || {})[String(round.id)],
        twijfel: round.config.allow_twijfel !== false,
      }),
    ];
    page.fitRows = page;
    page.rows = Math.max(1, total);
    return page;
  }

  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => refit(null), 150);
  });
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || (event.target && event.target.tagName === "BUTTON" && event.key === " ")) return;
    const key = event.key.toLowerCase();
    if (key === "c") joinToggle.click();
    else if (key === "arrowright" || key === "pagedown") turn(1);
    else if (key === "arrowleft" || key === "pageup") turn(-1);
    else if (key === "p") {
      paused = !paused;
      if (view && view.pageList) showPage(null);
    } else return;
    event.preventDefault();
  });

  new D.Client({
    code: app.getAttribute("data-code"),
    role: "screen",
    token: app.getAttribute("data-token"),
    onState: render,
    onStatus: (name) => {
      D.setText(conn, name === "online" ? "" : t("conn_" + name));
    },
    onFatal: (kind) => show("fatal", simple(t("fatal_" + kind))),
  }).start();
})();
