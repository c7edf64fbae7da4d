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

  // ctx: {names, limit, principles (show texts), principleLimit, principleTexts, moderate(p), twijfel}
  // and, for the projector: top, more(n), wins, summaryFirst, noRewordings (see ranking()).
  D.renderResults = (round, res, ctx) => {
    const box = el("div", { class: "results results-" + round.kind });
    const figure = round.kind === "approval" ? "chosen_by" : "points_short";
    const score = (v) => D.tn(figure, res.scores[v], { n: D.num(res.scores[v]) });
    if (round.kind === "casus") D.add(box, casus(res, ctx));
    else if (round.kind === "ranking") D.add(box, ranking(res, ctx));
    else if (round.kind === "principle") D.add(box, principle(res, ctx));
    else D.add(box, scored(res.order.map((v) => ({ key: v, name: ctx.names[v] || v, n: res.scores[v], figure: score(v) })), ctx));
    return box;
  };
})();
