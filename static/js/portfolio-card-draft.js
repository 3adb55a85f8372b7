/* The portfolio card's edit form keeps the words typed into it in this browser until they are
 * saved, so a reload, a closed tab or a lost connection does not lose them.
 *
 * The copy (localStorage, per person and card: team mates may write on the same computer)
 * holds the sections that differ from what the page was rendered with, and the version of the
 * card the form was opened on (the hidden `based_on`). After a reload the kept sections are put
 * back into the form with a note, and the form is sent as based on that older version, so the
 * server still refuses to write over a section a team mate saved meanwhile (and keeps the
 * sections they changed that this form did not).
 *
 * A form the server sent back (an error, or a refusal because someone saved meanwhile) holds
 * words that are not saved: all of them are kept. Submitting marks the copy as sent; a later
 * page rendered from another version of the card shows that the save arrived, and the copy is
 * forgotten. Leaving the page with unsaved changes asks first (beforeunload).
 */
(function () {
  "use strict";
  var form = document.querySelector("form[data-card-draft]");
  if (!form) return;
  var key = form.getAttribute("data-card-draft");
  var basedOn = form.querySelector("input[name='based_on']");
  var note = document.getElementById("card-draft-note");
  // The page is the server's answer to a send that saved nothing: every word in it is unsaved.
  var unsaved = form.hasAttribute("data-card-draft-unsaved");
  var pageVersion = basedOn ? basedOn.value : "";
  var submitting = false;

  var fields = [];
  for (var i = 0; i < form.elements.length; i++) {
    var el = form.elements[i];
    if (!el.name || el.name === "csrfmiddlewaretoken" || el.name === "based_on") continue;
    if (el.type === "hidden" || el.type === "submit" || el.type === "button") continue;
    fields.push(el);
  }

  function field(name) {
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].name === name) return fields[i];
    }
    return null;
  }

  function valueOf(el) {
    if (el.type === "checkbox") return el.checked ? "on" : "";
    return el.value;
  }

  // What the page was rendered with.
  function renderedValueOf(el) {
    if (el.type === "checkbox") return el.defaultChecked ? "on" : "";
    if (el.tagName === "SELECT") {
      for (var i = 0; i < el.options.length; i++) {
        if (el.options[i].defaultSelected) return el.options[i].value;
      }
      return el.options.length ? el.options[0].value : "";
    }
    return el.defaultValue;
  }

  function setValue(el, value) {
    if (el.type === "checkbox") el.checked = value === "on";
    else el.value = value;
  }

  // As the server compares them: line endings and outer spaces aside.
  function same(a, b) {
    return String(a).replace(/\r\n?/g, "\n").trim() === String(b).replace(/\r\n?/g, "\n").trim();
  }

  function changes() {
    var kept = {};
    var any = false;
    for (var i = 0; i < fields.length; i++) {
      var el = fields[i];
      if (unsaved || !same(valueOf(el), renderedValueOf(el))) {
        kept[el.name] = valueOf(el);
        any = true;
      }
    }
    return any ? kept : null;
  }

  function forget() {
    try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
  }

  function remember(sent) {
    var kept = changes();
    if (!kept) { forget(); return; }
    var copy = { basedOn: basedOn ? basedOn.value : "", fields: kept, sent: !!sent };
    try {
      localStorage.setItem(key, JSON.stringify(copy));
    } catch (e) { /* private mode or full storage: the leave warning still protects */ }
  }

  function showNote(shown) {
    if (note) note.hidden = !shown;
  }

  function restore() {
    var local = null;
    try { local = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { local = null; }
    if (!local || typeof local.fields !== "object" || local.fields === null) { forget(); return; }
    if (local.sent && local.basedOn !== pageVersion) {
      // Sent from a form opened on another version, and the card has changed since: the
      // save arrived (the page is rendered from it).
      forget();
      return;
    }
    var restored = false;
    for (var name in local.fields) {
      if (!Object.prototype.hasOwnProperty.call(local.fields, name)) continue;
      var el = field(name);
      var value = local.fields[name];
      if (el && typeof value === "string" && !same(valueOf(el), value)) {
        setValue(el, value);
        restored = true;
      }
    }
    if (!restored) { forget(); return; }
    // The words were written on that version: the server merges or refuses from there.
    if (basedOn && typeof local.basedOn === "string") basedOn.value = local.basedOn;
    showNote(true);
    remember(false);
  }

  if (unsaved) remember(false);
  else restore();

  form.addEventListener("input", function () { remember(false); });
  form.addEventListener("change", function () { remember(false); });

  var discard = note ? note.querySelector("[data-card-draft-discard]") : null;
  if (discard) {
    discard.addEventListener("click", function () {
      for (var i = 0; i < fields.length; i++) setValue(fields[i], renderedValueOf(fields[i]));
      if (basedOn) basedOn.value = pageVersion;
      forget();
      showNote(false);
      if (fields.length) fields[0].focus();
    });
  }

  // Listened for on the document, after the form's own listeners: a submit they stopped
  // leaves the page as it was.
  document.addEventListener("submit", function (event) {
    if (event.target !== form || event.defaultPrevented) return;
    submitting = true;
    remember(true);
  });

  // Back on this page from the browser's cache after a submit: it is being edited again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && submitting) {
      submitting = false;
      remember(false);
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (submitting || !changes()) return;
    var message = form.getAttribute("data-msg-leave") || "";
    event.preventDefault();
    event.returnValue = message;
    return message;
  });
})();
