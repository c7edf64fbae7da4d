/* The one way facilitator pages talk to the HTTP API: Denk.api(method, url, body).
 * Loaded after live.js on every page that changes something (console, trajects, cards), so
 * session cookies and the CSRF header are handled in one place. */
(function () {
  "use strict";
  const D = window.Denk;
  const t = D.t;
  // The login's CSRF token, rendered into every page behind login; sent on every request so a
  // page of another site (which cannot read it) cannot act for the facilitator.
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrfToken = csrfMeta ? csrfMeta.getAttribute("content") : "";

  // fetch JSON; a refusal becomes an Error with the server's Dutch message and its problems.
  D.api = (method, url, body) =>
    fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(null, () => {
      throw new Error(t("request_failed"));
    }).then((response) =>
      response
        .json()
        .catch(() => ({}))
        .then((data) => {
          if (response.ok) return data;
          const error = (data && data.error) || {};
          const problems = (error.problems || []).map((p) => p.loc + ": " + p.message);
          throw new Error([error.message || t("request_failed")].concat(problems).join(" "));
        })
    );
})();
