/* Form parts that only some rounds need: checkboxes with a limit and principle fields ("Ik ...")
 * for the casus, approval and principle rounds, and a traject ranking's principles per value.
 * Loaded by participant.js before such a round's own script, so a plain ranking or points round
 * (most phones) never fetches it. */
(function () {
  "use strict";
  const D = window.Denk;
  const el = D.el;
  const t = D.t;
  const F = D.form;
  const MAX = Number(document.getElementById("app").getAttribute("data-principle-max"));

  // A principle ("Ik ...") with a live character counter.
  function principleField(label, value, onInput) {
    const id = D.uid("p");
    const area = el("textarea", { id: id, maxlength: MAX, rows: 3, "aria-describedby": id + "-n" });
    const counter = el("p", { class: "counter", id: id + "-n" });
    const count = () => D.setText(counter, t("chars", { n: area.value.length, max: MAX }));
    area.value = value;
    area.addEventListener("input", () => {
      count();
      onInput(area.value);
    });
    count();
    return el("div", { class: "field" }, el("label", { for: id }, label), area, counter);
  }

  function cleanPrinciple(text) {
    const clean = (text || "").replace(/\s+/g, " ").trim();
    if (/^(ik( \.\.\.)?)?$/i.test(clean)) return "";
    if (!/^Ik /.test(clean)) F.fail(t("principle_ik"));
    return clean;
  }

  // Checkboxes, at most `limit` checked; returns {list, boxes, sync()}.
  function choices(options, chosen, limit, note, onToggle) {
    const boxes = {};
    const list = el(
      "ul",
      { class: "check-list" },
      options.map((o) => {
        const box = (boxes[o.key] = el("input", { type: "checkbox", value: o.key, checked: chosen.indexOf(o.key) >= 0 }));
        box.addEventListener("change", () => {
          F.toggle(chosen, o.key, box.checked);
          sync();
          if (onToggle) onToggle();
          F.changed();
        });
        const label = el("label", { class: "check" }, box, el("span", null, el("span", { class: "name" }, o.label), o.extra && [" ", el("span", { class: "extra", text: o.extra })]));
        return (o.li = o.info ? el("li", { class: "with-info" }, F.explain(o.info, label)) : el("li", null, label));
      })
    );
    function sync() {
      const full = chosen.length >= limit;
      Object.keys(boxes).forEach((k) => (boxes[k].disabled = !F.open() || (full && !boxes[k].checked)));
      D.setText(note, t("picked", { n: chosen.length, k: limit }) + (full ? " " + t("picked_full") : ""));
    }
    sync();
    return list;
  }

  // A traject's ranking round carries the principles written per value in the naming sessions:
  // one closed <details> per value, so the list stays short on a phone and opens on a tap.
  function principlesPerValue(round, names) {
    const per = round.config.principles || {};
    const keys = round.config.candidates.filter((key) => (per[key] || []).length);
    if (!keys.length) return null;
    const title = el("h3", { id: D.uid("rp"), text: t("rank_principles") });
    return el(
      "section",
      { class: "rank-principles", "aria-labelledby": title.id },
      title,
      keys.map((key) =>
        el(
          "details",
          {},
          el("summary", { text: D.tn("rank_principles_n", per[key].length, { name: names[key] || key }) }),
          el("ul", {}, per[key].map((text) => el("li", { text: text })))
        )
      )
    );
  }

  F.choices = choices;
  F.principlesPerValue = principlesPerValue;
  F.principleField = principleField;
  F.cleanPrinciple = cleanPrinciple;
})();
