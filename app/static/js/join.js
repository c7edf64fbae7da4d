/* Joining from a phone: POST the optional name and role (and the room PIN, when the room asks
 * one), then go to the phone page. The API
 * sets the participant cookie, so a reload or a second visit skips this form. */
(function () {
  "use strict";
  const form = document.getElementById("join-form");
  if (!form) return;
  const error = document.getElementById("join-error");
  const button = form.querySelector("button[type=submit]");
  const label = button.textContent;
  const code = form.getAttribute("data-code");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = form.elements.display_name.value.trim();
    const role = form.elements.role ? form.elements.role.value : "";
    const pin = form.elements.pin ? form.elements.pin.value.trim() : "";
    button.disabled = true;
    button.textContent = button.getAttribute("data-busy");
    error.textContent = "";
    fetch("/api/v1/join/" + encodeURIComponent(code), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ display_name: name || null, role: role || null, pin: pin || null }),
    })
      .then((response) =>
        response
          .json()
          .catch(() => ({}))
          .then((data) => {
            if (!response.ok) {
              const refused = new Error((data.error && data.error.message) || response.statusText);
              refused.fromServer = true;
              throw refused;
            }
            location.href = "/p/" + encodeURIComponent(data.code || code);
          })
      )
      .catch((problem) => {
        button.disabled = false;
        button.textContent = label;
        error.textContent = problem.fromServer ? problem.message : form.getAttribute("data-failed");
      });
  });
})();
