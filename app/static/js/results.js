/* A round's aggregate, for phone, screen and console. Bars are elements sized through the CSSOM
 * (the CSP forbids style attributes, not this); every figure is also written out as text. */
(function () {
  "use strict";
  const D = window.Denk;
  const el = D.el;
  const t = D.t;
  const DECISIONS = ["toekennen", "niet_toekennen", "twijfel"];
  const pct = (part, whole) => (whole ? Math.round((100 * part) / whole) : 0);
  function seg(kind, share) {
    const node = el("span", { class: "seg seg-" + kind });
    node.style.width = Math.min(100, share) + "%";
    return node;
  }
  const bar = (parts) => el("span", { class: "bar", "aria-hidden": "true" }, parts);
  const head = (name, figure, before) => el("div", { class: "row-head" }, before, el("span", { class: "name", text: name }), el("span", { class: "figure", text: figure }));

  function casus(res, ctx) {
    const n = res.decisions;
    const shown = DECISIONS.filter((d) => d !== "twijfel" || n.twijfel || ctx.twijfel);
    const values = res.values.slice(0, ctx.limit);
    const rest = res.values.length - values.length;
    const max = values.reduce((m, v) => Math.max(m, v.total), 0);
    return [
      el("h3", { text: t("decision_split") }),
      el("div", { class: "split", "aria-hidden": "true" }, shown.map((d) => seg(d, res.n_ballots ? (100 * n[d]) / res.n_ballots : 0))),
      el("ul", { class: "legend" }, shown.map((d) => el("li", null, el("span", { class: "swatch seg-" + d }), t("decision_" + d) + ": ", el("strong", { text: D.num(n[d]) }), " (" + pct(n[d], res.n_ballots) + "%)"))),
      el("h3", { text: t("values_named") }),
      values.length
        ? el(
            "ol",
            { class: "named" },
            values.map((v) => {
              const texts = ((res.principles || {})[v.value] || []).filter((p) => ctx.moderate || !p.hidden);
              return el(
                "li",
                { "data-key": v.value },
                head(ctx.names[v.value] || v.value, t("times_named", { n: v.total })),
                bar(DECISIONS.map((d) => seg(d, (100 * v.by_decision[d]) / max))),
                el("p", { class: "by", text: shown.map((d) => t("by_" + d, { n: v.by_decision[d] })).join(" · ") }),
                ctx.principles && texts.length
                  ? el("ul", { class: "principle-list" }, texts.slice(0, ctx.principleLimit).map((p) => el("li", { class: p.hidden ? "is-hidden" : null }, el("q", { text: p.text }), ctx.moderate && ctx.moderate(p))))
                  : null
              );
            })
          )
        : el("p", { class: "muted", text: t("no_answers") }),
      rest > 0 && ctx.more ? el("p", { class: "more", text: ctx.more(rest) }) : null,
    ];
  }

  // The aggregation explains in codes (docs/aggregation.md); the words come with the page.
  function explanation(ex, names) {
    const name = (v) => names[v] || v;
    const tied = (ex.tied || []).map(name);
    const list = tied.length < 2 ? tied.join("") : t("and_last", { rest: tied.slice(0, -1).join(", "), last: tied[tied.length - 1] });
    return t("explain_" + ex.code, { top: name(ex.top), tied: list, score: ex.score === null || ex.score === undefined ? "" : D.num(ex.score, 1) });
  }

  // ctx.wins: the figure is Schulze wins (agrees with the order), not Borda points; ctx.top:
  // show the first n with ctx.more(rest) for the others; ctx.summaryFirst: why and how much
  // agreement above the list, where a room reads them (the projector).
  function ranking(res, ctx) {
    const tied = res.tied_with_next;
    const wins = ctx.wins && res.wins;
    const figureOf = (v) => (wins ? wins[v] : res.scores[v]);
    const max = Math.max.apply(null, res.order.map(figureOf).concat(0));
    const others = res.order.length - 1;
    let position = 0;
    const w = res.agreement;
    const level = w >= 0.6 ? "high" : w >= 0.3 ? "mid" : "low";
    const shown = ctx.top ? res.order.slice(0, ctx.top) : res.order;
    const rest = res.order.length - shown.length;
    const list = el(
      "ol",
      { class: "ranked-result", "aria-label": t("group_order") },
      res.order.map((value, i) => {
        const after = i > 0 && tied[i - 1];
        const tie = tied[i] || after;
        position = after ? position : i + 1;
        if (i >= shown.length) return null;
        const figure = wins ? t("wins_short", { n: wins[value], m: others }) : D.tn("points_short", res.scores[value], { n: D.num(res.scores[value], 1) });
        return el(
          "li",
          { class: tie ? "tie" : null, "data-key": value },
          head(ctx.names[value] || value, figure + (tie ? " · " + t("tie") : ""), el("span", { class: "pos", text: position + (tie ? "=" : ".") })),
          bar(seg("main", max ? (100 * figureOf(value)) / max : 0))
        );
      })
    );
    const why = [
      res.explanation && res.n_ballots ? el("p", { class: "explanation", text: explanation(res.explanation, ctx.names) }) : null,
      wins && res.n_ballots ? el("p", { class: "wins-note", text: t("wins_note", { m: others }) + (res.decided_by.indexOf("borda") >= 0 ? " " + t("wins_borda") : "") }) : null,
    ];
    const gauge = res.n_ballots
      ? ctx.summaryFirst
        ? el("p", { class: "gauge agreement-" + level }, el("strong", { text: t("agreement_plain_" + level) }), " (" + t("agreement_w", { w: D.num(w, 2) }) + ")")
        : el("div", { class: "gauge" }, el("p", null, t("agreement") + ": ", el("strong", { text: D.num(w, 2) + " – " + t("agreement_" + level) })), bar(seg("main", 100 * w)))
      : null;
    const tieNote = tied.indexOf(true) >= 0 ? el("p", { class: "muted tie-note", text: t("tiebreak_note") }) : null;
    const divisive = res.divisive.length ? el("p", { class: "divisive" }, t("most_divisive") + ": ", el("strong", { text: res.divisive.map((v) => ctx.names[v] || v).join(", ") })) : null;
    const more = rest > 0 && ctx.more ? el("p", { class: "more", text: ctx.more(rest) }) : null;
    if (ctx.summaryFirst) return [el("div", { class: "why" }, why, gauge, tieNote), list, more, divisive];
    return [list, more, tieNote, why, gauge, divisive];
  }

  // Points, approval and principle rounds: one bar per item, highest first.
  function scored(items, ctx) {
    const max = items.reduce((m, item) => Math.max(m, item.n), 0);
    const shown = ctx && ctx.top ? items.slice(0, ctx.top) : items;
    const rest = items.length - shown.length;
    return [
      el("ol", { class: "scored" }, shown.map((item) => el("li", { "data-key": item.key }, head(item.name, item.figure), bar(seg("main", max ? (100 * item.n) / max : 0))))),
      rest > 0 && ctx.more ? el("p", { class: "more", text: ctx.more(rest) }) : null,
    ];
  }

  function principle(res, ctx) {
    const texts = {};
    // A phone's results carry the most chosen principles only (n_principles says how many
    // were counted; docs/realtime-protocol.md): the others are not shown as chosen by 0.
    const sized = res.n_principles !== undefined;
    const list = (ctx.principleTexts || []).filter((p) => !sized || String(p.id) in res.counts).map((p) => {
      texts[p.id] = p.text;
      return { key: "p" + p.id, name: "“" + p.text + "”", n: res.counts[p.id] || 0 };
    });
    list.sort((a, b) => b.n - a.n);
    list.forEach((item) => (item.figure = t("chosen_by", { n: item.n })));
    return [
      scored(list, ctx),
      res.rewordings.length && !ctx.noRewordings
        ? [
            el("h3", { text: t("rewordings") }),
            el("ul", { class: "principle-list" }, res.rewordings.map((r) => el("li", null, el("q", { text: r.text }), texts[r.rewords_id] ? " (" + t("instead_of") + " “" + texts[r.rewords_id] + "”)" : "", ctx.moderate && ctx.moderate(r)))),
          ]
        : null,
    ];
  }

  // A schuur round: the clash matrix (values x values, a shade and the number in each cell; the
  // columns numbered, the rows named) and the pairs, most named first; equal counts share a place.
  function clashes(res, ctx) {
    const name = (v) => ctx.names[v] || v;
    if (!res.n_ballots) return el("p", { class: "muted", text: t("no_answers") });
    const max = res.matrix.reduce((m, row) => Math.max(m, Math.max.apply(null, row)), 0);
    const level = (n) => (n ? Math.max(1, Math.ceil((4 * n) / max)) : 0);
    const table = el(
      "table",
      { class: "clash-matrix" },
      el("caption", { text: t("clash_matrix") }),
      el("thead", null, el("tr", null, el("td"), res.values.map((v, i) => el("th", { scope: "col" }, el("span", { "aria-hidden": "true", text: String(i + 1) }), el("span", { class: "sr-only", text: name(v) }))))),
      el(
        "tbody",
        null,
        res.values.map((v, i) =>
          el(
            "tr",
            null,
            el("th", { scope: "row" }, el("span", { class: "n", "aria-hidden": "true", text: i + 1 + " " }), name(v)),
            res.matrix[i].map((n, j) => (i === j ? el("td", { class: "diag" }, el("span", { class: "sr-only", text: "–" })) : el("td", { class: "heat-" + level(n), text: n ? D.num(n) : "" }, n ? null : el("span", { class: "sr-only", text: "0" }))))
          )
        )
      )
    );
    const shown = ctx.top ? res.pairs.slice(0, ctx.top) : res.pairs.slice(0, ctx.limit || 10);
    const rest = res.pairs.length - shown.length;
    const top = shown.length ? shown[0].count : 0;
    const list = el(
      "ol",
      { class: "scored clash-pairs", "aria-label": t("clash_pairs") },
      shown.map((p) =>
        el(
          "li",
          { class: p.tied ? "tie" : null, "data-key": p.a + "|" + p.b },
          head(name(p.a) + " ↔ " + name(p.b), D.num(p.count) + (p.tied ? " · " + t("tie") : ""), el("span", { class: "pos", text: p.rank + (p.tied ? "=" : ".") })),
          bar(seg("main", top ? (100 * p.count) / top : 0))
        )
      )
    );
    return [
      el("div", { class: "clash-grid" }, el("div", { class: "clash-left" }, table, res.n_candidates > res.values.length ? el("p", { class: "muted", text: t("clash_matrix_top", { k: res.values.length, n: res.n_candidates }) }) : null), el("div", { class: "clash-right" }, el("h3", { text: t("clash_pairs") }), list, rest > 0 && ctx.more ? el("p", { class: "more", text: ctx.more(rest) }) : null, shown.some((p) => p.tied) ? el("p", { class: "muted tie-note", text: t("clash_tie_note") }) : null)),
    ];
  }

  // An open question: a word cloud (font size by frequency, in six steps, the words in
  // alphabetical order so it stays calm as it grows) and a wall of answers, most given first.
  // ctx.part: "cloud" or "wall" for one of the two (the projector pages them); ctx.limit: the
  // most entries on the wall; ctx.moderate(entry): the console's buttons per entry.
  function cloud(res) {
    const words = (res.words || []).slice().sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
    if (!words.length) return el("p", { class: "muted", text: t("no_words") });
    const most = words.reduce((m, w) => Math.max(m, w.count), 1);
    const least = words.reduce((m, w) => Math.min(m, w.count), most);
    const step = (n) => (most === least ? 3 : 1 + Math.round((5 * (n - least)) / (most - least)));
    return el(
      "ul",
      { class: "cloud", "aria-label": t("cloud_title") },
      words.map((w) => el("li", { class: "w" + step(w.count), "data-key": "w:" + w.word }, w.word, el("span", { class: "sr-only", text: " (" + t("given_times", { n: w.count }) + ")" })))
    );
  }

  function wall(res, ctx) {
    const entries = (res.entries || []).filter((e) => ctx.moderate || !e.hidden);
    const shown = ctx.limit ? entries.slice(0, ctx.limit) : entries;
    const rest = entries.length - shown.length;
    if (!entries.length) return el("p", { class: "muted", text: t("no_answers") });
    return [
      el(
        "ul",
        { class: "answer-wall", "aria-label": t("wall_answers") },
        shown.map((e) =>
          el(
            "li",
            { class: e.hidden ? "is-hidden" : null, "data-key": "a:" + e.key },
            el("q", { text: e.text }),
            e.count > 1 ? el("span", { class: "count", text: t("given_times", { n: e.count }) }) : null,
            ctx.moderate && e.merged && e.merged.length ? el("p", { class: "merged muted", text: t("merged_from", { texts: e.merged.map((m) => m.text).join(" · ") }) }) : null,
            ctx.moderate && ctx.moderate(e)
          )
        )
      ),
      rest > 0 && ctx.more ? el("p", { class: "more", text: ctx.more(rest) }) : null,
    ];
  }

  function openAnswers(res, ctx) {
    if (ctx.part === "cloud") return cloud(res);
    if (ctx.part === "wall") return wall(res, ctx);
    return [el("h3", { text: t("cloud_title") }), cloud(res), el("h3", { text: t("wall_answers") }), wall(res, ctx)];
  }

  // ctx: {names, limit, principles (show texts), principleLimit, principleTexts, moderate(p), twijfel}
  // and, for the projector: top, more(n), wins, summaryFirst, noRewordings (see ranking()).
  D.renderResults = (round, res, ctx) => {
    const box = el("div", { class: "results results-" + round.kind });
    const figure = round.kind === "approval" ? "chosen_by" : "points_short";
    const score = (v) => D.tn(figure, res.scores[v], { n: D.num(res.scores[v]) });
    if (round.kind === "casus") D.add(box, casus(res, ctx));
    else if (round.kind === "ranking") D.add(box, ranking(res, ctx));
    else if (round.kind === "principle") D.add(box, principle(res, ctx));
    else if (round.kind === "schuur") D.add(box, clashes(res, ctx));
    else if (round.kind === "open") D.add(box, openAnswers(res, ctx));
    else D.add(box, scored(res.order.map((v) => ({ key: v, name: ctx.names[v] || v, n: res.scores[v], figure: score(v) })), ctx));
    return box;
  };
})();
