/* The review form: let htmx show the 409 "someone else changed this review" answer of the
 * autosave, and send the last unsaved edit when the page is closed so nothing is lost. */
(function () {
  "use strict";
  var form = document.querySelector("[data-review-autosave]");
  if (!form) return;
  var dirty = false;
  var submitting = false;

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  // The decision itself is posted; nothing is left to save, and an autosave racing it would
  // only be refused by the server.
  form.addEventListener("submit", function () { dirty = false; submitting = true; });
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (submitting && form.contains(event.detail.elt)) event.preventDefault();
  });

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
