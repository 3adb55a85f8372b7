/* The impact planner's inline editing (htmx): show the server's 400/409 answers in place (they
 * carry the text the person wrote and the reason), and put keyboard focus back where the person
 * was after a part of the page is redrawn (the moved item's button, the add box, the edit box,
 * the first field with an error). */
(function () {
  "use strict";
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if ((status === 400 || status === 409) && event.detail.elt.closest("[data-impact]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  var FOCUSABLE = /^(A|BUTTON|INPUT|SELECT|TEXTAREA|SUMMARY)$/;
  function focusOn(element) {
    if (!FOCUSABLE.test(element.tagName) && !element.hasAttribute("tabindex")) {
      // A heading or table: focusable by script only, so screen readers read where we are.
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }
  function restoreFocus() {
    var markers = document.querySelectorAll("[data-impact-focus]");
    if (!markers.length) return;
    var marked = markers[markers.length - 1];
    var id = marked.getAttribute("data-impact-focus");
    markers.forEach(function (m) { m.removeAttribute("data-impact-focus"); });
    var target = document.getElementById(id);
    // A refused form: the first field with an error, else the form's alert.
    var scope = target || marked;
    var invalid = scope.querySelector && scope.querySelector(".is-invalid, .alert-danger");
    if (invalid) target = invalid;
    if (target && target.disabled) {
      // An item moved to either end: its other move button is the natural next step.
      var alt = target.getAttribute("data-alt-focus");
      if (!alt) alt = id.indexOf("up-") === 0 ? "down-" + id.slice(3) : "up-" + id.slice(5);
      target = document.getElementById(alt);
    }
    if (target && target.tagName === "FORM") {
      target = target.querySelector("input:not([type=hidden]), textarea, select") || target;
    }
    if (target && !target.disabled) {
      focusOn(target);
    } else {
      var heading = marked.querySelector("h2, h3");
      if (heading) focusOn(heading);
    }
  }
  // After htmx has settled the new content (and done its own focus handling).
  document.body.addEventListener("htmx:afterSettle", function () {
    window.setTimeout(restoreFocus, 0);
  });
})();
