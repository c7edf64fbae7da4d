/* A self-paced denksessie on the console (docs/decisions/0033): the closing time in the
 * browser's own time zone, "Starten" (every round opens at once) and "Nu sluiten" (asks once
 * more). Both reload the page after the server's answer, so the panel shows the new state. */
(function () {
  "use strict";
  const D = window.Denk;
  const app = document.getElementById("app");
  const panel = document.getElementById("self-paced");
  if (!app || !panel) return;
  const base = "/api/v1/denksessies/" + app.getAttribute("data-id");
  const alertBox = document.getElementById("console-alert");

  panel.querySelectorAll("time.local-time").forEach((node) => {
    const at = new Date(node.getAttribute("datetime"));
    if (!isNaN(at)) node.textContent = at.toLocaleString(document.documentElement.lang || "nl", { weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit" });
  });

  function act(button, path) {
    button.disabled = true;
    D.setText(alertBox, "");
    D.api("POST", base + path, {}).then(
      () => location.reload(),
      (problem) => {
        button.disabled = false;
        D.setText(alertBox, problem.message);
      }
    );
  }

  const start = document.getElementById("self-paced-start");
  if (start) start.addEventListener("click", () => act(start, "/start"));
  const close = document.getElementById("self-paced-close");
  if (close) {
    let armed = 0;
    const label = close.textContent;
    close.addEventListener("click", () => {
      if (Date.now() - armed > 5000) {
        armed = Date.now();
        close.textContent = close.getAttribute("data-confirm");
        setTimeout(() => (close.textContent = label), 5100);
        return;
      }
      act(close, "/close");
    });
  }
})();
