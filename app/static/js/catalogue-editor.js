/* Catalogue editor: progressive enhancement only; every form works without it.
 *
 * After a change the server answers with the whole page again. Without help, focus would start
 * at the top of that page. This puts it back where the person was: on the problems box when a
 * change was refused, on the same "Hoger"/"Lager" button after a move (so pressing Enter again
 * moves the value further), else on the element the address points at (#waarde-..., #cluster-...).
 */
(function () {
  "use strict";
  var KEY = "denksessie-catalogue-move";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.classList && form.classList.contains("move-form")) {
      var direction = form.querySelector("input[name=direction]");
      try {
        sessionStorage.setItem(KEY, direction ? direction.value : "");
      } catch (ignored) { /* storage may be off: focus then goes to the value */ }
    }
  });

  // After load: the browser's own move to #fragment happens then and would undo an earlier focus.
  window.addEventListener("load", function () {
    window.setTimeout(restoreFocus, 0);
  });

  function restoreFocus() {
    var problems = document.getElementById("problems");
    if (problems) {
      problems.focus();
      return;
    }
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    var moved = null;
    try {
      moved = sessionStorage.getItem(KEY);
      sessionStorage.removeItem(KEY);
    } catch (ignored) { /* see above */ }
    if (!target) {
      return;
    }
    var again = moved && target.querySelector(
      "form.move-form input[name=direction][value=" + moved + "]"
    );
    var button = again ? again.form.querySelector("button") : null;
    if (!button && !target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    (button || target).focus();
  }
})();
