/* The review form: let htmx show the 409 "someone else changed this review" answer of the
 * autosave, and send the last unsaved edit when the page is closed so nothing is lost. */
(function () {
  "use strict";
  var form = document.querySelector("[data-review-autosave]");
  if (!form) return;
  var dirty = false;

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  // The decision itself is posted; nothing is left to save.
  form.addEventListener("submit", function () { dirty = false; });

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful && form.contains(event.detail.elt)) dirty = false;
  });

  window.addEventListener("pagehide", function () {
    if (!dirty || !navigator.sendBeacon) return;
    navigator.sendBeacon(form.getAttribute("data-review-autosave"), new FormData(form));
    dirty = false;
  });
})();
