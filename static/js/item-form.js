/* The course item form (templates/courses/item_form.html).
 *
 * Kinds: the server shows only the chosen kind's fields (each row names its kinds in
 * data-item-kinds; the others come hidden). Changing the kind here shows the new kind's fields
 * and completion rules at once; without JavaScript they appear when the form comes back.
 * A video's source (an address, a file, or the live webinar session) shows only its own fields.
 *
 * Unsaved changes: the form's values are kept in this browser (localStorage, per person and
 * item: data-draft-key) from the first change until they are saved, and leaving the page with
 * unsaved changes asks first. After a reload (or a lost save) the kept values are put back
 * before the rich-text editor (static/js/editor-courses.js, a module, so it runs after this
 * script) reads its textarea, and a note says so, with a button to discard them.
 *
 * The copy remembers the values the page was rendered with (`base`). A later page showing the
 * kept values, or a submit that was sent (`sent`) from a page that now shows something else,
 * means the save arrived: the copy is forgotten. A form the server sent back with errors
 * (data-draft-unsaved) holds the posted values, which are unsaved.
 */
(function () {
  "use strict";
  var form = document.querySelector("form[data-item-form]");
  if (!form) return;

  // --- the chosen kind's fields ---------------------------------------------------------------
  var kindSelect = form.querySelector("select[name='kind']");
  var ruleSelect = form.querySelector("select[name='completion_rule']");

  function words(value) {
    return (value || "").split(" ").filter(function (word) { return word !== ""; });
  }

  function chosenSource() {
    var radio = form.querySelector("input[name='video_source']:checked");
    return radio ? radio.value : "";
  }

  function showKind() {
    if (!kindSelect) return;
    var kind = kindSelect.value;
    var source = chosenSource();
    var rows = form.querySelectorAll("[data-item-kinds]");
    for (var i = 0; i < rows.length; i++) {
      var kinds = words(rows[i].getAttribute("data-item-kinds"));
      var rowSource = rows[i].getAttribute("data-video-source");
      rows[i].hidden = (kinds.length > 0 && kinds.indexOf(kind) < 0) ||
        (!!rowSource && !!source && rowSource !== source);
    }
  }

  // The completion rules the kind may use; a chosen rule that does not fit gives way to the
  // kind's usual one.
  function showRules() {
    if (!kindSelect || !ruleSelect) return;
    var kind = kindSelect.value;
    var fallback = null;
    for (var i = 0; i < ruleSelect.options.length; i++) {
      var option = ruleSelect.options[i];
      var fits = words(option.getAttribute("data-kinds")).indexOf(kind) >= 0;
      option.hidden = !fits;
      option.disabled = !fits;
      if (fits && (fallback === null ||
          words(option.getAttribute("data-default-for")).indexOf(kind) >= 0)) {
        fallback = option;
      }
    }
    var selected = ruleSelect.options[ruleSelect.selectedIndex];
    if ((!selected || selected.disabled) && fallback) fallback.selected = true;
  }

  if (kindSelect) {
    kindSelect.addEventListener("change", function () { showRules(); showKind(); });
  }
  form.addEventListener("change", function (event) {
    if (event.target && event.target.name === "video_source") showKind();
  });

  // --- unsaved changes --------------------------------------------------------------------------
  var key = form.getAttribute("data-draft-key");
  var isNew = /:new$/.test(key || "");
  var sentBack = form.hasAttribute("data-draft-unsaved");
  var MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;
  var submitting = false;
  var leaving = false;
  var timer = null;

  function controls() {
    var found = [];
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || el.name === "csrfmiddlewaretoken") continue;
      if (el.type === "file" || el.type === "submit" || el.type === "button") continue;
      found.push(el);
    }
    return found;
  }

  function snapshot() {
    var values = {};
    controls().forEach(function (el) {
      if (el.type === "checkbox") {
        values[el.name] = el.checked;
      } else if (el.type === "radio") {
        if (!(el.name in values)) values[el.name] = "";
        if (el.checked) values[el.name] = el.value;
      } else if (el.type === "select-multiple") {
        values[el.name] = Array.prototype.filter.call(el.options, function (o) {
          return o.selected;
        }).map(function (o) { return o.value; }).join("\n");
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function same(a, b) {
    if (!a || !b) return false;
    var name;
    for (name in a) {
      if (Object.prototype.hasOwnProperty.call(a, name) && a[name] !== b[name]) return false;
    }
    for (name in b) {
      if (Object.prototype.hasOwnProperty.call(b, name) && !(name in a)) return false;
    }
    return true;
  }

  function apply(values) {
    controls().forEach(function (el) {
      if (!Object.prototype.hasOwnProperty.call(values, el.name)) return;
      var value = values[el.name];
      if (el.type === "checkbox") {
        el.checked = value === true;
      } else if (el.type === "radio") {
        el.checked = el.value === value;
      } else if (el.type === "select-multiple") {
        var chosen = String(value).split("\n");
        Array.prototype.forEach.call(el.options, function (o) {
          o.selected = chosen.indexOf(o.value) >= 0;
        });
      } else if (typeof value === "string") {
        el.value = value;
      }
    });
  }

  function read() {
    try {
      var stored = JSON.parse(localStorage.getItem(key) || "null");
      if (stored && typeof stored.values === "object" && stored.values !== null &&
          typeof stored.time === "number" && Date.now() - stored.time < MAX_AGE_MS) {
        return stored;
      }
    } catch (e) { /* unreadable: as if nothing was kept */ }
    forget();
    return null;
  }

  function write(copy) {
    try {
      copy.time = Date.now();
      localStorage.setItem(key, JSON.stringify(copy));
    } catch (e) { /* private mode or full storage: the leave-page warning still works */ }
  }

  function forget() {
    try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
  }

  // What the server holds: the page as rendered, unless it came back with errors (then the
  // values it was rendered from, as kept here, or none known).
  var rendered = snapshot();
  var base = rendered;
  var stored = key ? read() : null;
  var restored = null;  // "same" or "changed": the kept values were put back
  if (sentBack) {
    base = stored ? stored.base : null;
    write({ base: base, values: rendered, sent: false });
  } else if (stored) {
    if (same(stored.values, rendered)) {
      forget();  // saved (or nothing was changed)
    } else if (stored.sent && (isNew || !same(stored.base, rendered))) {
      forget();  // the save arrived; the item may have been changed again since
    } else {
      apply(stored.values);
      showRules();  // the kept kind's rules (the kept rule among them)
      restored = same(stored.base, rendered) ? "same" : "changed";
    }
  }

  showKind();

  function dirty() {
    return sentBack || restored !== null || !same(snapshot(), base);
  }

  function remember() {
    clearTimeout(timer);
    timer = null;
    if (!key || submitting || leaving) return;
    var values = snapshot();
    if (!sentBack && same(values, base)) {
      forget();
      return;
    }
    write({ base: base, values: values, sent: false });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(remember, 300);
  }
  form.addEventListener("input", later);  // the rich-text editor sends one on every change
  form.addEventListener("change", later);

  var note = form.querySelector("[data-draft-note]");
  if (restored && note) {
    note.hidden = false;
    var sameText = note.querySelector("[data-draft-same]");
    var changedText = note.querySelector("[data-draft-changed]");
    if (sameText) sameText.hidden = restored !== "same";
    if (changedText) changedText.hidden = restored !== "changed";
  }

  function leaveWithoutSaving(url) {
    forget();
    leaving = true;
    clearTimeout(timer);
    window.location.assign(url);
  }

  var discard = form.querySelector("[data-draft-discard]");
  if (discard) {
    discard.addEventListener("click", function () {
      // A fresh GET of this page shows the item as saved.
      leaveWithoutSaving(window.location.href.split("#")[0]);
    });
  }

  var cancel = form.querySelector("[data-draft-cancel]");
  if (cancel) {
    cancel.addEventListener("click", function (event) {
      if (!dirty()) return;
      event.preventDefault();
      if (window.confirm(form.getAttribute("data-msg-discard-confirm") || "")) {
        leaveWithoutSaving(cancel.href);
      }
    });
  }

  // Submitting keeps the copy (marked sent) until a page shows that the save arrived.
  form.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    remember();
    submitting = true;
    var copy = key ? read() : null;
    if (copy) {
      copy.sent = true;
      write(copy);
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (timer !== null) remember();
    if (submitting || leaving || !dirty()) return;
    event.preventDefault();
    event.returnValue = "";  // older browsers need a value to ask
  });

  // Back on this page from the browser's cache after submitting: editing goes on.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { submitting = false; leaving = false; }
  });
})();
