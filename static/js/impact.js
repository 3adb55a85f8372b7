/* The impact planner's inline editing (htmx): show the server's 400/409 answers in place (they
 * carry the text the person wrote and the reason), and put keyboard focus back where the person
 * was after a column is redrawn (the moved statement's button, the add box, the edit box). */
(function () {
  "use strict";
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if ((status === 400 || status === 409) && event.detail.elt.closest("[data-impact]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  function restoreFocus() {
    var marked = document.querySelector("[data-impact-focus]");
    if (!marked) return;
    var id = marked.getAttribute("data-impact-focus");
    marked.removeAttribute("data-impact-focus");
    var target = document.getElementById(id);
    if (target && target.disabled) {
      // A statement moved to either end: its other move button is the natural next step.
      var other = id.indexOf("up-") === 0 ? "down-" + id.slice(3) : "up-" + id.slice(5);
      target = document.getElementById(other);
    }
    if (target && !target.disabled) {
      target.focus();
    } else {
      var heading = marked.querySelector("h2");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    }
  }
  // After htmx has settled the new content (and done its own focus handling).
  document.body.addEventListener("htmx:afterSettle", function () {
    window.setTimeout(restoreFocus, 0);
  });
})();
