/* A schuur round on the phone: name 1 or 2 pairs of values that clash. Two selects make a pair,
 * "Paar toevoegen" lists it; each listed pair has its own remove button. A pair is the same
 * whichever way round (the server stores it in key order too).
 * Loaded by participant.js when a round of this kind shows; helpers come from Denk.form. */
(function () {
  "use strict";
  const D = window.Denk;
  const el = D.el;
  const t = D.t;
  const F = D.form;
  const same = (p, q) => (p[0] === q[0] && p[1] === q[1]) || (p[0] === q[1] && p[1] === q[0]);

  D.kinds.schuur = function (round, draft, form) {
    const names = F.names();
    const cfg = round.config;
    const name = (key) => names[key] || key;
    const known = (key) => cfg.candidates.indexOf(key) >= 0;
    const pairs = (draft.pairs = (draft.pairs || []).filter((p) => known(p[0]) && known(p[1]) && p[0] !== p[1]).slice(0, cfg.max_pairs));
    const note = el("p", { class: "hint", "aria-live": "polite" });
    const said = el("p", { class: "sr-only", "aria-live": "polite" });
    const problem = el("p", { class: "error", role: "alert" });
    const list = el("ul", { class: "pair-list", "aria-label": t("schuur_yours") });

    function select(label) {
      const id = D.uid("sv");
      const box = el("select", { id: id, "data-fk": id }, el("option", { value: "", text: t("schuur_pick") }), cfg.candidates.map((key) => el("option", { value: key, text: name(key) })));
      return [box, el("p", { class: "field" }, el("label", { for: id, text: label }), box)];
    }
    const [first, firstField] = select(t("schuur_first"));
    const [second, secondField] = select(t("schuur_second"));
    const add = el("button", { type: "button", class: "wide", text: t("schuur_add"), onclick: addPair });

    function addPair() {
      D.setText(problem, "");
      const pair = [first.value, second.value];
      if (!pair[0] || !pair[1]) return D.setText(problem, t("schuur_need_two"));
      if (pair[0] === pair[1]) return D.setText(problem, t("schuur_not_same"));
      if (pairs.some((p) => same(p, pair))) return D.setText(problem, t("schuur_already"));
      if (pairs.length >= cfg.max_pairs) return D.setText(problem, t("schuur_full"));
      pairs.push(pair);
      first.value = second.value = "";
      D.setText(said, t("schuur_added", { a: name(pair[0]), b: name(pair[1]) }));
      sync();
      F.changed();
      first.focus();
    }

    function remove(index) {
      const [gone] = pairs.splice(index, 1);
      D.setText(said, t("schuur_removed", { a: name(gone[0]), b: name(gone[1]) }));
      sync();
      F.changed();
      (list.querySelector("button") || first).focus();
    }

    function sync() {
      const full = pairs.length >= cfg.max_pairs;
      D.fill(
        list,
        pairs.length
          ? pairs.map((p, i) =>
              el(
                "li",
                { class: "pair" },
                el("span", { class: "name", text: name(p[0]) + " ↔ " + name(p[1]) }),
                el("button", { type: "button", class: "remove", "data-fk": "rm" + i, disabled: !F.open(), "aria-label": t("schuur_remove", { a: name(p[0]), b: name(p[1]) }), text: "×", onclick: () => remove(i) })
              )
            )
          : el("li", { class: "muted", text: t("schuur_empty") })
      );
      [first, second, add].forEach((c) => (c.disabled = !F.open() || full));
      D.setText(note, t("picked", { n: pairs.length, k: cfg.max_pairs }) + (full ? " " + t("schuur_full") : ""));
    }
    sync();
    D.add(
      form,
      el(
        "fieldset",
        { class: "schuur" },
        el("legend", { text: D.tn("schuur_help", cfg.max_pairs, { k: cfg.max_pairs }) }),
        note,
        list,
        el("div", { class: "pair-maker" }, firstField, secondField, add),
        problem,
        said
      )
    );
    return () => (pairs.length ? { pairs: pairs.map((p) => p.slice()) } : F.fail(t("schuur_need_pair")));
  };
})();
