/* The learner's answer: htmx autosaves it after each pause in typing; this sends the last
 * unsaved words when the page is closed or left, so a draft is never lost. */
(function () {
  "use strict";
  var text = document.querySelector("textarea[hx-post][data-testid='answer-text']");
  if (!text) return;
  var form = text.form;
  var dirty = false;

  text.addEventListener("input", function () { dirty = true; });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful && event.detail.elt === text) dirty = false;
  });
  // Submitting sends the text itself (and the draft is then cleared on the server).
  if (form) form.addEventListener("submit", function () { dirty = false; });

  window.addEventListener("pagehide", function () {
    if (!dirty || !navigator.sendBeacon) return;
    var data = new FormData();
    var token = form && form.querySelector("input[name='csrfmiddlewaretoken']");
    if (token) data.append("csrfmiddlewaretoken", token.value);
    data.append("text", text.value);
    navigator.sendBeacon(text.getAttribute("hx-post"), data);
    dirty = false;
  });
})();
