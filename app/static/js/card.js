/* Principekaart page: publish a draft, start a new version, edit a draft.
 * State changes go through Denk.api (api.js), which carries the session and CSRF headers;
 * the edit form is sent as one PATCH, values in the order they stand in the list. */
(function () {
  "use strict";
  const D = window.Denk;
  if (!D) return;
  D.loadMessages();
  const cardUrl = (slug) => "/api/v1/principekaarten/" + encodeURIComponent(slug);
  const goTo = (card) => window.location.assign("/principekaarten/" + encodeURIComponent(card.slug));

  const actions = document.querySelector(".card-actions");
  if (actions) {
    const message = actions.querySelector(".action-message");
    actions.querySelectorAll("button[data-action]").forEach((button) => {
      button.addEventListener("click", () => {
        button.disabled = true;
        message.textContent = "";
        D.api("POST", cardUrl(actions.getAttribute("data-slug")) + "/" + button.getAttribute("data-action"))
          .then(goTo)
          .catch((error) => {
            message.textContent = error.message;
            button.disabled = false;
          });
      });
    });
  }

  const edit = document.querySelector(".card-edit");
  if (!edit) return;
  const form = edit.querySelector("form");
  const list = form.querySelector(".edit-values");
  const message = form.querySelector(".edit-message");
  const picker = form.querySelector("#add-value");

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const item = button.closest(".edit-value");
    if (button.hasAttribute("data-remove")) {
      const option = picker && picker.querySelector('option[value="' + item.getAttribute("data-value") + '"]');
      if (option) option.disabled = false;
      item.remove();
      form.querySelector("#edit-title").focus();
      return;
    }
    const up = button.getAttribute("data-move") === "up";
    const sibling = up ? item.previousElementSibling : item.nextElementSibling;
    if (!sibling) return;
    list.insertBefore(item, up ? sibling : sibling.nextElementSibling);
    button.focus();
  });

  if (picker) {
    picker.addEventListener("change", () => {
      const key = picker.value;
      const template = key && form.querySelector('template[data-value-template="' + key + '"]');
      if (!template) return;
      list.appendChild(template.content.cloneNode(true));
      picker.querySelector('option[value="' + key + '"]').disabled = true;
      picker.value = "";
      list.lastElementChild.querySelector("input").focus();
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const lines = (text) => text.split("\n").map((line) => line.trim()).filter(Boolean);
    const body = {
      title: form.querySelector("#edit-title").value,
      central_question: form.querySelector("#edit-question").value,
      values: Array.prototype.map.call(list.querySelectorAll(".edit-value"), (item) => ({
        value: item.getAttribute("data-value"),
        headline: item.querySelector('[name="headline"]').value,
        sub_principles: lines(item.querySelector('[name="sub_principles"]').value),
        quote: item.querySelector('[name="quote"]').value.trim() || null,
      })),
    };
    message.textContent = "";
    message.classList.remove("error");
    D.api("PATCH", cardUrl(edit.getAttribute("data-slug")), body)
      .then(goTo)
      .catch((error) => {
        message.classList.add("error");
        message.textContent = error.message;
      });
  });
})();
