/* A ranking round on the phone: tap the values in order (tap again to take one out), drag
 * them by the grip (SortableJS, fetched only now), or use the arrow buttons.
 * Loaded by participant.js when a round of this kind shows; helpers come from Denk.form. */
(function () {
  "use strict";
  const D = window.Denk;
  const el = D.el;
  const t = D.t;
  const F = D.form;

  D.kinds.ranking = function (round, draft, form) {
    const names = F.names();
    const candidates = round.config.candidates;
    const k = Math.min(round.config.top_k || candidates.length, candidates.length);
    const order = (draft.order = (draft.order || []).filter((v) => candidates.indexOf(v) >= 0).slice(0, k));
    const ranked = el("ol", { class: "rank-list", "aria-labelledby": D.uid("r") });
    const pool = el("ul", { class: "rank-pool", "aria-labelledby": D.uid("r") });
    const poolTitle = el("h3", { id: pool.getAttribute("aria-labelledby"), text: k < candidates.length ? t("rank_pool_top", { k: k }) : t("rank_pool") });
    const empty = el("p", { class: "hint", text: t("rank_empty") });
    const said = el("p", { class: "sr-only", "aria-live": "polite" });
    // The grip is the drag handle; in the ranked list it also shows the place.
    const grip = (place) => el("span", { class: place ? "grip pos" : "grip", "aria-hidden": "true", title: t("drag"), text: place });
    const button = (fk, label, cls, action, off, content) =>
      el("button", { type: "button", class: cls, "data-fk": fk, "aria-label": label, "aria-disabled": off ? "true" : null, onclick: () => F.open() && !off && action() }, content);

    function place(key, to, focus) {
      F.toggle(order, key, false);
      if (to !== null) order.splice(to, 0, key);
      F.changed();
      fill();
      D.setText(said, to === null ? t("rank_removed", { name: names[key] }) : t("rank_placed", { name: names[key], pos: to + 1, n: order.length }));
      (form.querySelector('[data-fk="' + focus + '"]') || form.querySelector(".rank-list button, .rank-pool button")).focus();
    }
    function fill() {
      const rest = candidates.filter((v) => order.indexOf(v) < 0);
      const full = order.length >= k;
      D.fill(
        ranked,
        order.map((key, i) => {
          const name = names[key];
          const next = order[i + 1] || order[i - 1];
          return el(
            "li",
            { class: "rank-item", "data-key": key },
            grip(String(i + 1)),
            button("n:" + key, t("rank_remove", { name: name, pos: i + 1 }), "rank-name", () => place(key, null, next ? "n:" + next : "a:" + key), false, [
              el("span", { class: "name", text: name }),
              el("span", { class: "x", "aria-hidden": "true", text: "×" }),
            ]),
            el(
              "span",
              { class: "moves" },
              button("u:" + key, t("move_up", { name: name }), "move", () => place(key, i - 1, "u:" + key), i === 0, "↑"),
              button("d:" + key, t("move_down", { name: name }), "move", () => place(key, i + 1, "d:" + key), i === order.length - 1, "↓")
            )
          );
        })
      );
      D.fill(
        pool,
        rest.map((key, i) => {
          const next = rest[i + 1] || rest[i - 1];
          return el(
            "li",
            { class: "pool-item", "data-key": key },
            F.explain(key, [
              grip(),
              button("a:" + key, t("rank_add", { name: names[key], pos: order.length + 1 }), "pool-add", () => place(key, order.length, next ? "a:" + next : "n:" + key), full, [
                el("span", { class: "name", text: names[key] }),
                el("span", { class: "x", "aria-hidden": "true", text: "+" }),
              ]),
            ])
          );
        })
      );
      empty.hidden = order.length > 0;
      poolTitle.hidden = !rest.length;
    }
    // After a drop, the ranked list's DOM order is the new order.
    function sync() {
      const keys = [].map.call(ranked.children, (li) => li.getAttribute("data-key"));
      order.length = 0;
      keys.forEach((key) => key && order.length < k && order.indexOf(key) < 0 && order.push(key));
      F.changed();
      fill();
    }
    function sortable() {
      const options = {
        group: { name: "rank", pull: true, put: (to) => to.el !== ranked || order.length < k },
        handle: ".grip",
        // SortableJS's own pointer dragging everywhere: the same behaviour with a mouse, a
        // finger or a pen, and no native drag image that old Android browsers get wrong.
        forceFallback: true,
        fallbackTolerance: 3,
        fallbackOnBody: true,
        animation: 120,
        disabled: !F.open(),
        onEnd: () => setTimeout(sync),
      };
      Sortable.create(ranked, options);
      Sortable.create(pool, Object.assign({}, options, { sort: false }));
    }
    fill();
    withSortable(sortable);
    D.add(form, el("p", { class: "hint", text: (k < candidates.length ? t("rank_top", { k: k }) + " " : "") + t("rank_help") }), el("h3", { id: ranked.getAttribute("aria-labelledby"), text: t("rank_yours") }), empty, ranked, poolTitle, pool, said, F.principlesPerValue && F.principlesPerValue(round, names));
    return () => (order.length ? { ranking: order.slice() } : F.fail(t("need_ranking")));
  };

  // SortableJS (45 KB) is fetched only once a ranking round shows, not with the page.
  let sortableScript = null;
  function withSortable(done) {
    if (window.Sortable) return done();
    if (!sortableScript) document.head.appendChild((sortableScript = el("script", { src: document.getElementById("app").getAttribute("data-sortable") })));
    sortableScript.addEventListener("load", done);
  }
})();
