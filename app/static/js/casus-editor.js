/* The casus form (templates/casussen/form.html): writing help per text field, the values of the
 * chosen waardenkaart, and a live preview of the phone and the projector.
 *
 * The previews are iframes whose documents the server rendered with the participant's and the
 * screen's own layout, stylesheets and classes (casussen/_preview_*.html); this script only
 * puts the typed text into them. Every sentence comes from the page (data-messages), so the
 * script holds no interface language of its own. No build step. */
(function () {
  "use strict";
  const form = document.getElementById("casus-form");
  if (!form) return;
  const msg = JSON.parse(form.getAttribute("data-messages") || "{}");
  const limit = parseInt(form.getAttribute("data-long-sentence"), 10) || 20;
  const fill = (text, params) => text.replace(/\{(\w+)\}/g, (whole, key) => (key in params ? String(params[key]) : whole));
  const setText = (node, text) => {
    if (node && node.textContent !== text) node.textContent = text;
  };

  // A refused form: the summary of its problems gets the focus (role="alert" announces it).
  const problems = document.getElementById("problems");
  if (problems) problems.focus();

  // --- writing help: words per field, and a hint at the longest sentence over the limit -----
  const wordsIn = (text) => (text.trim().match(/\S+/g) || []).length;
  // Sentences end at . ! ? (or …), optionally followed by a closing quote, or at a line break.
  const sentencesIn = (text) =>
    text
      .split(/\n+/)
      .reduce((all, line) => all.concat(line.split(/(?<=[.!?…]["'”’)]?)\s+/)), [])
      .map((s) => s.trim())
      .filter(Boolean);

  function writingHelp(input) {
    const count = document.getElementById(input.id + "-count");
    const long = document.getElementById(input.id + "-long");
    const n = wordsIn(input.value);
    setText(count, n ? fill(n === 1 ? msg.word : msg.words, { n: n }) : "");
    let longest = null;
    sentencesIn(input.value).forEach((sentence) => {
      const k = wordsIn(sentence);
      if (k > limit && (!longest || k > longest.n)) longest = { n: k, text: sentence };
    });
    const start = longest ? longest.text.split(/\s+/).slice(0, 6).join(" ") : "";
    setText(long, longest ? fill(msg.long_sentence, { n: longest.n }) + " " + fill(msg.long_sentence_start, { start: start }) : "");
  }

  form.querySelectorAll("[data-writing-help]").forEach((input) => {
    input.addEventListener("input", () => writingHelp(input));
    writingHelp(input);
  });

  // --- the values of the chosen waardenkaart; the others are disabled, so not sent ---------
  const picker = form.querySelector("select[name=catalogue]");
  if (picker)
    picker.addEventListener("change", () => {
      form.querySelectorAll("[data-catalogue]").forEach((box) => {
        const on = box.getAttribute("data-catalogue") === picker.value;
        box.hidden = !on;
        box.querySelectorAll("fieldset").forEach((set) => (set.disabled = !on));
      });
    });

  // --- the live preview ---------------------------------------------------------------------
  const source = (name) => {
    const input = form.querySelector('[data-preview-source="' + name + '"]');
    return input ? input.value.replace(/\r\n?/g, "\n").trim() : "";
  };
  const phone = document.getElementById("preview-phone");
  const screen = document.getElementById("preview-screen");
  const fitNote = document.getElementById("screen-fit");

  function ready(frame) {
    const doc = frame && frame.contentDocument;
    return doc && doc.body && doc.body.firstElementChild ? doc : null;
  }

  function preview() {
    const title = source("title") || msg.empty_title;
    const situation = source("situation") || msg.empty_situation;
    const question = source("question") || msg.empty_question;
    [phone, screen].forEach((frame) => {
      const doc = ready(frame);
      if (!doc) return;
      doc.querySelectorAll('[data-preview="title"]').forEach((node) => setText(node, title));
      doc.querySelectorAll('[data-preview="situation"]').forEach((node) => setText(node, situation));
      doc.querySelectorAll('[data-preview="question"]').forEach((node) => setText(node, question));
      // The projector: one paragraph per line of the story, before the question (screen.js).
      const box = doc.querySelector('[data-preview="paragraphs"]');
      if (box) {
        const paragraphs = situation.split(/\n+/).filter((p) => p.trim());
        const shown = [].map.call(box.querySelectorAll("p.situation"), (p) => p.textContent);
        if (shown.join("\n") !== paragraphs.join("\n")) {
          box.querySelectorAll("p.situation").forEach((p) => p.remove());
          const before = box.querySelector('[data-preview="question"]');
          paragraphs.forEach((text) => {
            const p = doc.createElement("p");
            p.className = "situation";
            p.textContent = text;
            box.insertBefore(p, before);
          });
        }
      }
    });
    const doc = ready(screen);
    const fit = doc && doc.querySelector('[data-preview="fit"]');
    setText(fitNote, fit && fit.scrollHeight > fit.clientHeight + 1 ? msg.screen_overflow : "");
  }

  // The projector's 1280 x 720 page, scaled to the width its box has on this page.
  function scale() {
    if (!screen) return;
    const box = screen.parentNode;
    box.style.setProperty("--preview-scale", String(box.clientWidth / 1280));
  }

  let queued = false;
  form.addEventListener("input", () => {
    if (queued) return;
    queued = true;
    window.requestAnimationFrame(() => {
      queued = false;
      preview();
    });
  });
  [phone, screen].forEach((frame) => frame && frame.addEventListener("load", preview));
  window.addEventListener("resize", scale);
  scale();
  preview();
})();
