/* A form marked data-submit-once is sent once: its submit buttons are disabled as it goes, as
 * the upload forms disable theirs while a file is on its way (static/js/staged-uploads.js), so
 * a double click sends one request. The server takes a repeat as the same message anyway
 * (portfolio/services_questions.py); this spares the second request. A submit that another
 * script stopped leaves the buttons alone, and a page shown again from the browser's cache
 * (the back button) has them working again.
 */
(function () {
  "use strict";
  if (window.alueagenttiSubmitOnce) return; // the script may be on a page more than once
  window.alueagenttiSubmitOnce = true;

  var MARK = "data-submit-once-disabled";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-submit-once")) return;
    if (form.hasAttribute("data-submitting")) {
      event.preventDefault();
      return;
    }
    if (event.defaultPrevented) return;
    form.setAttribute("data-submitting", "");
    var buttons = form.querySelectorAll("[type='submit']");
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].disabled) continue;
      buttons[i].disabled = true;
      buttons[i].setAttribute(MARK, "");
    }
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    var forms = document.querySelectorAll("form[data-submitting]");
    for (var i = 0; i < forms.length; i++) {
      forms[i].removeAttribute("data-submitting");
      var buttons = forms[i].querySelectorAll("[" + MARK + "]");
      for (var j = 0; j < buttons.length; j++) {
        buttons[j].disabled = false;
        buttons[j].removeAttribute(MARK);
      }
    }
  });
})();
