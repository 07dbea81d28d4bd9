/* What every workbench page needs, as a static file: the Content Security Policy forbids
 * inline scripts and handlers (script-src 'self').
 *
 * - The language switch submits itself when a language is picked, coming back to the page
 *   (with its query string) it was picked on.
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
