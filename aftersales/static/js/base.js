/* What every workbench page needs, as a static file: the Content Security Policy forbids
 * inline scripts and handlers (script-src 'self').
 *
 * - The language switch submits itself when a language is picked, coming back to the page
 *   (with its query string) it was picked on.
 * - A select with data-shows-for shows the elements of its form whose data-for names its
 *   value (space-separated) and hides the others; forms swapped in by htmx included.
 */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-shows-for]") || !select.form) {
      return;
    }
    select.form.querySelectorAll("[data-for]").forEach(function (el) {
      el.hidden = el.dataset.for.split(" ").indexOf(select.value) === -1;
    });
  });

  ready(function () {
    var form = document.getElementById("language-form");
    if (!form) {
      return;
    }
    var select = form.querySelector("select[name=language]");
    select.addEventListener("change", function () {
      form.elements.next.value = location.pathname + location.search;
      form.submit();
    });
  });
})();
