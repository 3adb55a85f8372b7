/* The review form: let htmx show the 409 "someone else changed this review" answer of the
 * autosave, say when a save failed and retry it, and send the last unsaved edit when the page
 * is closed so nothing is lost. */
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

  // After signing in again in another tab the CSRF token is new: the cookie has it, the page
  // only the old one.
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (!form.contains(event.detail.elt)) return;
    var cookie = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (cookie) event.detail.headers["X-CSRFToken"] = decodeURIComponent(cookie[1]);
  });
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // A save that fails (a locked database, a restarting server, no network) says so and is
  // retried with a growing pause until it gets through; the text stays in the form meanwhile.
  var status = document.getElementById("review-draft-status");
  var box = form.querySelector("[hx-post]");
  var retryDelay = 0;
  var retryTimer = null;
  function failed(event) {
    if (submitting || !form.contains(event.detail.elt)) return;
    if (status) {
      status.textContent = status.getAttribute("data-msg-retrying") || "";
      status.setAttribute("data-state", "retrying");
    }
    retryDelay = Math.min(Math.max(retryDelay * 2, 2000), 30000);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () {
      if (!submitting && box && window.htmx) window.htmx.trigger(box, "change");
    }, retryDelay);
  }
  document.body.addEventListener("htmx:sendError", failed);
  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status === 0 || xhr.status >= 500) {
      failed(event);
    } else if (xhr.status === 403 && form.contains(event.detail.elt)) {
      // Signed out (the server says so), or a token from before signing in again: not saved.
      // The text stays in the form; say why and keep trying until it goes through.
      failed(event);
      if (status && xhr.getResponseHeader("X-Draft-Signed-Out")) {
        status.textContent = xhr.responseText;
        status.setAttribute("data-state", "signed-out");
      }
    }
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful && form.contains(event.detail.elt)) {
      dirty = false;
      retryDelay = 0;
      if (status) status.setAttribute("data-state", "saved");
    }
  });

  window.addEventListener("pagehide", function () {
    if (!dirty || !navigator.sendBeacon) return;
    navigator.sendBeacon(form.getAttribute("data-review-autosave"), new FormData(form));
    dirty = false;
  });
})();
