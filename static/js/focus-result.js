/* Move keyboard focus to a result that replaces the control that was used (an htmx swap that
 * ends a long step, e.g. the invitation import): otherwise focus falls to the top of the page
 * and a screen-reader or keyboard user has to find the result again. The result marks itself
 * with data-focus-on-arrival and tabindex="-1". */
(function () {
  "use strict";
  function focusResult() {
    var target = document.querySelector("[data-focus-on-arrival]");
    if (target && document.activeElement !== target) target.focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusResult);
  } else {
    focusResult();
  }
  document.body.addEventListener("htmx:afterSettle", focusResult);
})();
