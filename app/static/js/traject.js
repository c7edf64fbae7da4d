/* Traject pages (/console/trajecten, /console/trajecten/{id}): every form sends one JSON call
 * through Denk.api and reloads the page, which the server renders from the database again.
 * No native form posts (CSRF headers live in Denk.api). */
(function () {
  "use strict";
  const D = window.Denk;
  const t = D.t;
  D.loadMessages();

  const root = document.getElementById("traject");
  const api = root ? root.getAttribute("data-api") : "/api/v1/trajects";
  const checked = (form, name) =>
    [].filter.call(form.querySelectorAll("input[name=" + name + "]"), (box) => box.checked).map((box) => box.value);
  const number = (form, name) => Number(form.elements[name].value);

  // Each kind returns [method, url, body] or throws an Error with a Dutch message.
  const kinds = {
    "create-traject": (form) => {
      const title = form.elements.title.value.trim();
      if (!title) throw new Error(t("need_title"));
      return ["POST", "/api/v1/trajects", {
        title: title,
        central_question: form.elements.central_question.value.trim(),
        catalogue: form.elements.catalogue.value,
        card_size: number(form, "card_size"),
        min_participants: number(form, "min_participants"),
        max_values: number(form, "max_values"),
        method: form.elements.method.value,
      }];
    },
    attach: (form) => ["POST", api + "/sessions", {
      denksessie_id: number(form, "denksessie_id"),
      stage: form.getAttribute("data-stage"),
    }],
    "new-session": (form) => {
      const title = form.elements.title.value.trim();
      if (!title) throw new Error(t("need_title"));
      return ["POST", api + "/sessions/new", {
        stage: form.getAttribute("data-stage"),
        title: title,
        casus_ids: checked(form, "casus_ids").map(Number),
      }];
    },
    "close-stage": (form) => ["POST", api + "/stages/" + form.getAttribute("data-stage") + "/close", undefined],
    "take-all": () => ["POST", api + "/shortlist/changes", { action: "take_all_tied" }],
    "shortlist-change": (form) => {
      const reason = form.elements.reason.value.trim();
      if (!reason) throw new Error(t("need_reason"));
      return ["POST", api + "/shortlist/changes", {
        action: form.elements.action.value,
        values: [form.elements.value.value],
        reason: reason,
      }];
    },
    "ranking-round": (form) => {
      const body = {};
      const extra = checked(form, "extra");
      if (form.elements.denksessie_id) body.denksessie_id = number(form, "denksessie_id");
      if (extra.length) {
        const shortlist = JSON.parse(root.getAttribute("data-shortlist") || "[]");
        body.candidates = shortlist.concat(extra);
        body.override_reason = form.elements.override_reason.value.trim();
        if (!body.override_reason) throw new Error(t("need_reason"));
      }
      return ["POST", api + "/ranking-round", body];
    },
    "principle-rounds": (form) => {
      const body = {};
      if (form.elements.denksessie_id) body.denksessie_id = number(form, "denksessie_id");
      return ["POST", api + "/principle-rounds", body];
    },
    resolve: (form) => {
      const reason = form.elements.reason.value.trim();
      if (!reason) throw new Error(t("need_reason"));
      return ["POST", api + "/selection/resolve", { take: checked(form, "take"), reason: reason }];
    },
    curation: (form) => {
      const headline = checked(form, "headline")[0];
      const subs = checked(form, "sub").filter((id) => id !== headline);
      // 1 to 4 subs are allowed; the page warns after saving when it is not the usual 3 or 4.
      if (!headline || subs.length < 1 || subs.length > 4) throw new Error(t("need_pick"));
      const quote = checked(form, "quote")[0];
      const pick = (id) => {
        const input = form.elements["text-" + id];
        const text = input.value.trim();
        return { principle_id: Number(id), text: text === input.getAttribute("data-original") ? "" : text };
      };
      return ["PUT", api + "/curation/" + encodeURIComponent(form.getAttribute("data-value")), {
        headline: pick(headline),
        subs: subs.map(pick),
        quote_id: quote ? Number(quote) : null,
      }];
    },
    card: (form) => ["POST", api + "/card", { title: form.elements.title.value.trim() }],
  };

  // Split a folded group (each wording its own group), or let a split principle fold again.
  document.querySelectorAll("button.split-group").forEach((button) => {
    button.addEventListener("click", () => {
      button.disabled = true;
      const url = api + "/curation/" + encodeURIComponent(button.getAttribute("data-value")) + "/split";
      D.api("POST", url, {
        principle_ids: JSON.parse(button.getAttribute("data-ids")),
        apart: button.getAttribute("data-apart") === "true",
      }).then(
        () => location.reload(),
        (problem) => {
          button.disabled = false;
          const alert = button.closest("form").querySelector("[role=alert]");
          if (alert) alert.textContent = problem.message;
        }
      );
    });
  });

  // "By vote": tick the group's choice (most voted groups) in a curation form; saving stays a click.
  document.querySelectorAll("form[data-suggestion] .fill-suggestion").forEach((button) => {
    button.addEventListener("click", () => {
      const form = button.closest("form");
      const pick = JSON.parse(form.getAttribute("data-suggestion"));
      form.querySelectorAll("input[name=headline]").forEach((box) => (box.checked = Number(box.value) === pick.headline));
      form.querySelectorAll("input[name=sub]").forEach((box) => (box.checked = pick.subs.indexOf(Number(box.value)) >= 0));
    });
  });

  // Settings (a native form): show what the typed shortlist rule and method would give, from
  // the ballots so far, while typing. The server renders the box; without this script the
  // "Gevolg bekijken" button shows the same box on a new page.
  const settingsForm = document.getElementById("settings-form");
  if (settingsForm) {
    const box = document.getElementById("consequence");
    const url = settingsForm.getAttribute("data-consequence");
    let timer = null;
    let asked = 0;
    const refresh = () => {
      const query = new URLSearchParams();
      ["min_participants", "max_values", "method", "card_size"].forEach((name) => {
        const field = settingsForm.elements[name];
        if (field) query.set(name, field.value);
      });
      const mine = ++asked;
      fetch(url + "?" + query.toString(), { credentials: "same-origin" })
        .then((response) => (response.ok ? response.text() : ""))
        .then((html) => {
          if (mine !== asked) return;
          const parsed = new DOMParser().parseFromString(html, "text/html");
          box.replaceChildren(...parsed.body.childNodes);
        })
        .catch(() => {});
    };
    settingsForm.querySelectorAll("[data-consequence]").forEach((field) => {
      ["input", "change"].forEach((type) =>
        field.addEventListener(type, () => {
          clearTimeout(timer);
          timer = setTimeout(refresh, 250);
        })
      );
    });
  }

  document.querySelectorAll("form[data-kind]").forEach((form) => {
    const error = form.querySelector(".error");
    const button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (error) D.setText(error, "");
      let call;
      try {
        call = kinds[form.getAttribute("data-kind")](form);
      } catch (problem) {
        if (error) D.setText(error, problem.message);
        return;
      }
      button.disabled = true;
      D.api(call[0], call[1], call[2])
        .then((answer) => {
          if (form.getAttribute("data-kind") === "create-traject") location.href = answer.url;
          else location.reload();
        })
        .catch((problem) => {
          button.disabled = false;
          if (error) D.setText(error, problem.message);
        });
    });
  });
})();
