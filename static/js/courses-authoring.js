/* Course authoring: drag and drop to reorder a module's items (saved with one POST), and a
 * confirmation before deleting. The arrow buttons next to each item do the same by keyboard. */
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  document.querySelectorAll("[data-reorder-url]").forEach(function (list) {
    var dragged = null;
    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest("[data-item-id]");
      if (dragged) {
        dragged.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
      }
    });
    list.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      var over = event.target.closest("[data-item-id]");
      if (!over || over === dragged || over.parentNode !== list) return;
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });
    list.addEventListener("dragend", function () {
      if (!dragged) return;
      dragged.classList.remove("dragging");
      dragged = null;
      var ids = Array.prototype.map.call(list.querySelectorAll("[data-item-id]"), function (li) {
        return parseInt(li.getAttribute("data-item-id"), 10);
      });
      fetch(list.getAttribute("data-reorder-url"), {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
        body: JSON.stringify(ids),
      }).then(function (response) {
        if (!response.ok) window.location.reload();
      });
    });
  });
})();
