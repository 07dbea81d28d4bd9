/* The inbox's few helpers: countdowns that keep ticking while the page stays open, and the
 * bulk assignment's count and question. No inline script (a Content Security Policy will
 * forbid them): what this needs comes in data attributes.
 *
 * - #countdown-formats carries the countdown's words in the user's language and the
 *   server's clock (data-now), so a wrong clock on the agent's PC does not move deadlines.
 * - A cell with data-due (an ISO 8601 deadline) holds the .countdown badge to keep current.
 */
(function () {
  "use strict";

  var TICK_MS = 30 * 1000;
  var MINUTES_PER_DAY = 24 * 60;
  var SOON_MS = 24 * 60 * 60 * 1000;
  var formats = null;
  var skewMs = 0;

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (match, key) {
      return key in values ? values[key] : match;
    });
  }

  // The same words as the server's countdown tag (core/templatetags/aftersales.py).
  function span(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / MINUTES_PER_DAY);
    var rest = minutes % MINUTES_PER_DAY;
    var hours = Math.floor(rest / 60);
    if (days) {
      return fill(formats.days, { d: days, h: hours });
    }
    if (hours) {
      return fill(formats.hours, { h: hours, m: rest % 60 });
    }
    return fill(formats.minutes, { m: minutes });
  }

  // Python's isoformat writes microseconds; a Date takes milliseconds.
  function parse(iso) {
    return Date.parse(String(iso).replace(/(\.\d{3})\d+/, "$1"));
  }

  function tick() {
    if (!formats) {
      return;
    }
    var now = Date.now() + skewMs;
    document.querySelectorAll("[data-due]").forEach(function (cell) {
      var badge = cell.querySelector(".countdown");
      var due = parse(cell.dataset.due);
      if (!badge || isNaN(due)) {
        return;
      }
      var left = due - now;
      var overdue = left < 0;
      var soon = !overdue && left < SOON_MS;
      badge.textContent = fill(overdue ? formats.overdue : formats.left, { t: span(left) });
      badge.classList.toggle("overdue", overdue);
      badge.classList.toggle("soon", soon);
      badge.classList.toggle("text-bg-danger", overdue);
      badge.classList.toggle("text-bg-warning", soon);
      badge.classList.toggle("text-bg-light", !overdue && !soon);
      var row = cell.closest("tr");
      if (row) {
        row.classList.toggle("overdue", overdue);
      }
    });
  }

  // --- picking rows and handing them out -------------------------------------------------

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("#inbox .pick"));
  }

  function picked() {
    return boxes().filter(function (box) {
      return box.checked;
    });
  }

  function updatePicked() {
    var form = document.getElementById("bulk-assign");
    if (!form) {
      return;
    }
    var count = picked().length;
    var counter = document.getElementById("picked-count");
    counter.textContent = fill(counter.dataset.template, { count: count });
    var select = form.querySelector("select[name=assignee]");
    form.querySelector("button").disabled = count === 0 || !select.value;
    var all = document.getElementById("pick-all");
    if (all) {
      var total = boxes().length;
      all.checked = total > 0 && count === total;
      all.indeterminate = count > 0 && count < total;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "pick-all") {
      boxes().forEach(function (box) {
        box.checked = target.checked;
      });
    }
    if (target.matches("#pick-all, .pick, #bulk-assignee")) {
      updatePicked();
    }
  });

  // The bulk form asks before it sends, naming how many cases and to whom.
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt;
    if (!form || form.id !== "bulk-assign") {
      return;
    }
    event.preventDefault();
    var select = form.querySelector("select[name=assignee]");
    var count = picked().length;
    if (!count || !select.value) {
      return;
    }
    var question =
      select.value === "none"
        ? fill(form.dataset.confirmNobody, { count: count })
        : fill(form.dataset.confirmPerson, {
            count: count,
            person: select.options[select.selectedIndex].text.trim(),
          });
    if (window.confirm(question)) {
      event.detail.issueRequest(true);
    }
  });

  // The ticked rows go with the form (they sit in the table, outside it).
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "bulk-assign") {
      event.detail.parameters.delete("case");
      picked().forEach(function (box) {
        event.detail.parameters.append("case", box.value);
      });
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    tick();
    updatePicked();
  });

  function start() {
    var el = document.getElementById("countdown-formats");
    if (el) {
      formats = el.dataset;
      var serverNow = parse(el.dataset.now);
      if (!isNaN(serverNow)) {
        skewMs = serverNow - Date.now();
      }
    }
    tick();
    updatePicked();
    window.setInterval(tick, TICK_MS);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
