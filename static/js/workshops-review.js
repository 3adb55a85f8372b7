/* The review form: let htmx show the 409 "someone else changed this review" answer of the
 * autosave, say when a save failed and retry it, and send the last unsaved edit when the page
 * is closed so nothing is lost.
 *
 * The words not saved yet are also kept in this browser (localStorage, per version and
 * person): a reload rendered before the page-close save landed shows them again, says so and
 * saves them.
 *
 * A tab keeps one name (`draft_writer`, ReviewDraft.writer) across its reloads
 * (sessionStorage): the page-close save of the page before a reload is this tab's own, and
 * when it lands after the reload the refused autosave's answer names it; the page then
 * continues above it instead of calling it another window (its words are on this page, from
 * the browser's copy). A second tab or window gets a name of its own, so what it saved is
 * still refused as another window's.
 *
 * The copy keeps the rubric its page showed (`rubric_seen`, services_rubric.review_rubric_seen):
 * restored on a page whose rubric changed since, a level comes back only when it is still the
 * same level with the same points and words, and the page says which were left to choose again.
 *
 * Words refused because another version of the review was saved first (a colleague's, or
 * another window's) stay on the page to copy from, as the notice says. This browser keeps them
 * too, apart from the review: the page shown next (after "Attach", a reload, a link) lists
 * them beside the saved review, never over it, until the person writes in the review again.
 *
 * The feedback files' "Attach" stays disabled until a file has been accepted for sending; a
 * refused upload shows this page again with the reason beside the field.
 */
(function () {
  "use strict";

  function storage(name) {
    try {
      return window[name] || null;
    } catch (e) {
      return null;  // storage disabled in this browser
    }
  }

  function read(store, key) {
    if (!store) return null;
    try {
      return JSON.parse(store.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  function write(store, key, value) {
    if (!store) return false;
    try {
      store.setItem(key, JSON.stringify(value));
      return true;
    } catch (e) {
      return false;  // private mode or full storage: the server copy still works
    }
  }

  function remove(store, key) {
    if (!store) return;
    try { store.removeItem(key); } catch (e) { /* nothing kept */ }
  }

  function csrfCookie() {
    var cookie = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return cookie ? decodeURIComponent(cookie[1]) : "";
  }

  // --- the feedback files: "Attach" only with a file to attach -----------------------------

  function setupAttach() {
    var filesForm = document.querySelector("[data-testid='feedback-files-form']");
    if (!filesForm) return;
    var button = filesForm.querySelector("button[type='submit']");
    var input = filesForm.querySelector("input[type='file']");
    var box = filesForm.querySelector("[data-staged-uploads]");
    if (!button) return;

    function update() {
      // A file sent ahead of the form (static/js/staged-uploads.js) has its token in the
      // list; without that script a chosen file goes with the form itself.
      var tokens = filesForm.querySelectorAll("[data-staged-list] input[type='hidden']");
      var ready = false;
      for (var i = 0; i < tokens.length; i++) {
        if (tokens[i].value) ready = true;
      }
      if (input && input.files && input.files.length) ready = true;
      var busy = box && (parseInt(box.getAttribute("data-busy") || "0", 10) || 0) > 0;
      button.disabled = busy || !ready;
    }

    update();
    // staged-uploads.js adds and removes the rows and enables the button again when a file
    // has been answered, accepted or refused: decide after it.
    if (window.MutationObserver) {
      new window.MutationObserver(update).observe(filesForm, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ["data-busy"]
      });
    }
    filesForm.addEventListener("change", function () { setTimeout(update, 0); });

    // The page an upload was refused on: its address is the upload's; a reload would post
    // the form again. Show the review page's own, and the reason.
    var refused = document.querySelector("[data-testid='feedback-files-refused']");
    var reviewForm = document.querySelector("[data-review-autosave]");
    if (refused) {
      if (reviewForm && window.history && window.history.replaceState) {
        window.history.replaceState(null, "", reviewForm.getAttribute("action"));
      }
      var section = document.getElementById("feedback-files");
      if (section && section.scrollIntoView) section.scrollIntoView();
      if (input) input.focus({ preventScroll: true });
    }
  }

  setupAttach();

  // --- the review being written ---------------------------------------------------------------

  var page = document.querySelector("[data-review-copy]");
  var form = document.querySelector("[data-review-autosave]");
  var local = storage("localStorage");
  var session = storage("sessionStorage");
  // Per version and person: instructors may share a computer.
  var ident = page
    ? (page.getAttribute("data-review-owner") || "") + ":" + page.getAttribute("data-review-copy")
    : "";
  var copyKey = "alueagentti-review:" + ident;
  var tabKey = "alueagentti-review-tab:" + ident;

  if (!form) {
    // The review was sent (or is ready for release): the words it kept are not needed.
    if (page) remove(local, copyKey);
    return;
  }

  // Only a browser that can keep the copy continues a tab's name: the page that takes over a
  // name must hold the words its earlier page saved.
  var canKeep = write(local, "alueagentti-review-probe", 1);
  remove(local, "alueagentti-review-probe");

  var status = document.getElementById("review-draft-status");
  var restoredNote = document.getElementById("review-restored");
  var box = form.querySelector("[hx-post]");
  var writer = form.querySelector("input[name='draft_writer']");
  var edits = 0;       // edits made on this page ...
  var saved = 0;       // ... and how many of them the server holds
  var submitting = false;
  var conflicted = false;  // another window or person saved newer words
  var adoptions = 0;
  var retryDelay = 0;
  var retryTimer = null;
  var NOT_KEPT = {
    csrfmiddlewaretoken: 1, files_seen: 1, draft_version: 1, draft_writer: 1, rubric_seen: 1
  };
  var rubricNote = document.getElementById("review-rubric-restored");

  function versionField() {
    // The autosave's answer replaces the input (hx-swap-oob): look it up each time.
    return form.querySelector("input[name='draft_version']");
  }

  function version() {
    var field = versionField();
    return field ? parseInt(field.value || "0", 10) || 0 : 0;
  }

  function setVersion(value) {
    var field = versionField();
    if (field) field.value = String(value);
  }

  // The review's fields: the texts, the rubric's levels and the decision.
  function fields() {
    var values = {};
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || NOT_KEPT[el.name] || el.disabled) continue;
      if (el.type === "radio" || el.type === "checkbox") {
        if (!Object.prototype.hasOwnProperty.call(values, el.name)) values[el.name] = "";
        if (el.checked) values[el.name] = el.value;
      } else if (el.tagName === "TEXTAREA" || el.type === "text") {
        values[el.name] = el.value;
      }
    }
    return values;
  }

  function sameFields(a, b) {
    var name;
    for (name in a) {
      if (Object.prototype.hasOwnProperty.call(a, name) &&
          String(a[name]) !== String(Object.prototype.hasOwnProperty.call(b, name) ? b[name] : "")) {
        return false;
      }
    }
    for (name in b) {
      if (Object.prototype.hasOwnProperty.call(b, name) && b[name] !== "" &&
          !Object.prototype.hasOwnProperty.call(a, name)) {
        return false;
      }
    }
    return true;
  }

  function putFields(values) {
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || NOT_KEPT[el.name] || !Object.prototype.hasOwnProperty.call(values, el.name)) {
        continue;
      }
      var value = String(values[el.name]);
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = el.value === value;
      } else if (el.tagName === "TEXTAREA" || el.type === "text") {
        el.value = value;
      }
    }
  }

  function rubricSeen() {
    var field = form.querySelector("input[name='rubric_seen']");
    return field ? field.value : "";
  }

  // A page's rubric as {criterion id: {level id: digest of its points and words}}.
  function rubricLevels(text) {
    var rows = null;
    var levels = {};
    try {
      rows = JSON.parse(text || "null");
    } catch (e) {
      rows = null;
    }
    if (!Array.isArray(rows)) return levels;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      if (row && typeof row === "object" && row.l && typeof row.l === "object") {
        levels[String(row.id)] = row.l;
      }
    }
    return levels;
  }

  // Leave out of a copy the levels that no longer mean what was picked: a criterion or level
  // removed, or a level whose points or words changed. Returns how many were left out.
  function dropChangedLevels(values, keptRubric) {
    var now = rubricSeen();
    if (typeof keptRubric !== "string" || keptRubric === now) return 0;
    var before = rubricLevels(keptRubric);
    var after = rubricLevels(now);
    var dropped = 0;
    for (var name in values) {
      if (!Object.prototype.hasOwnProperty.call(values, name)) continue;
      var match = /^criterion_(\d+)$/.exec(name);
      if (!match || values[name] === "") continue;
      var level = String(values[name]);
      var was = before[match[1]] && before[match[1]][level];
      var is = after[match[1]] && after[match[1]][level];
      if (!was || was !== is) {
        delete values[name];
        dropped += 1;
      }
    }
    return dropped;
  }

  // The review's texts on this page with their labels (no levels or decision: those are
  // picked again on the saved review).
  function refusedTexts() {
    var texts = [];
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || NOT_KEPT[el.name] || el.tagName !== "TEXTAREA" || !el.value.trim()) continue;
      var label = el.id ? form.querySelector("label[for='" + el.id + "']") : null;
      texts.push({ name: el.name, label: label ? label.textContent.trim() : el.name, text: el.value });
    }
    return texts;
  }

  // Words this browser kept after they were refused, listed beside the saved review (the
  // ones the review does not already hold as they are).
  function showAside(texts) {
    var box = document.querySelector("[data-testid='review-aside']");
    var list = box && box.querySelector("[data-testid='review-aside-text']");
    if (!list) return;
    var shown = 0;
    for (var i = 0; i < texts.length; i++) {
      var item = texts[i];
      if (!item || typeof item.text !== "string" || typeof item.label !== "string") continue;
      var field = typeof item.name === "string" ? form.elements.namedItem(item.name) : null;
      if (field && field.value === item.text) continue;
      var term = document.createElement("dt");
      term.textContent = item.label;
      var words = document.createElement("dd");
      words.className = "submission-text";
      words.textContent = item.text;
      list.appendChild(term);
      list.appendChild(words);
      shown += 1;
    }
    box.hidden = shown === 0;
  }

  // This browser's copy of the words the server may not hold yet, with the version they were
  // written on and the rubric its page showed.
  function remember() {
    if (!canKeep) return;
    if (conflicted) {
      // Refused words: kept apart, to be shown beside the saved review on the next page.
      var texts = refusedTexts();
      if (texts.length) write(local, copyKey, { aside: texts, at: Date.now() });
      else forget();
      return;
    }
    write(local, copyKey, {
      fields: fields(),
      version: version(),
      writer: writer ? writer.value : "",
      rubric: rubricSeen(),
      at: Date.now()
    });
  }

  function forget() {
    remove(local, copyKey);
  }

  function markTab(open) {
    if (writer && canKeep) write(session, tabKey, { writer: writer.value, open: open });
  }

  function saveNow() {
    if (submitting || !box || !window.htmx) return;
    window.htmx.trigger(box, "change");
  }

  function whenReady(fn) {
    // htmx sets the form up on DOMContentLoaded, before this listener runs.
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () { setTimeout(fn, 0); });
    } else {
      setTimeout(fn, 0);
    }
  }

  // This tab's name, kept over its reloads. A name whose page is still open (a duplicated
  // tab copies it) is not taken over: that page is another window.
  var tab = read(session, tabKey);
  if (writer && canKeep && tab && !tab.open && typeof tab.writer === "string" &&
      /^[A-Za-z0-9_-]{1,40}$/.test(tab.writer)) {
    writer.value = tab.writer;
  }
  markTab(true);

  // After a reload: this browser may hold newer words than the page was rendered with.
  var kept = canKeep ? read(local, copyKey) : null;
  if (kept && Array.isArray(kept.aside)) {
    // Refused words: beside the saved review, kept until the person writes in it (the first
    // edit's copy replaces them).
    showAside(kept.aside);
  } else if (kept && kept.fields && typeof kept.fields === "object") {
    // The server's page after a refusal for a changed rubric names the changes itself.
    if (dropChangedLevels(kept.fields, kept.rubric) && rubricNote &&
        !form.hasAttribute("data-rubric-refused")) {
      rubricNote.textContent = rubricNote.getAttribute("data-msg-rubric") || "";
      rubricNote.hidden = false;
    }
    if (sameFields(kept.fields, fields())) {
      forget();
    } else {
      putFields(kept.fields);
      // Saved on the version the words were written on: a newer one is this tab's own
      // page-close save (continued above it once the server names it) or someone else's
      // (refused, with their text shown), never silently written over.
      if (typeof kept.version === "number" && kept.version >= 0) {
        setVersion(Math.min(kept.version, version()));
      }
      edits += 1;
      remember();
      if (restoredNote) {
        restoredNote.textContent = restoredNote.getAttribute("data-msg-restored") || "";
        restoredNote.hidden = false;
      }
      whenReady(saveNow);
    }
  }

  function edited(event) {
    if (event.target === box) return;  // the retry's own "change"
    if (!event.target || !event.target.name || NOT_KEPT[event.target.name]) return;
    edits += 1;
    remember();
  }
  // Counted as the event comes down to the field, before htmx (on the fields' box) sends the
  // save that carries it: that save then holds this edit.
  form.addEventListener("input", edited, true);
  form.addEventListener("change", edited, true);
  // The decision itself is posted; nothing is left to save, and an autosave racing it would
  // only be refused by the server. The copy stays until a page shows the review was made
  // (the post may be lost on the way); a form sent back with an error shows the same words.
  form.addEventListener("submit", function () {
    submitting = true;
    remember();
  });

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (!form.contains(event.detail.elt)) return;
    if (submitting) {
      event.preventDefault();
      return;
    }
    if (event.detail.xhr) event.detail.xhr.reviewEdits = edits;
  });

  // After signing in again in another tab the CSRF token is new: the cookie has it, the page
  // only the old one.
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (!form.contains(event.detail.elt)) return;
    var token = csrfCookie();
    if (token) event.detail.headers["X-CSRFToken"] = token;
  });

  // A refusal (409) names the version saved meanwhile, and its page when it was this person.
  function conflictOf(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html || "";
    var node = holder.content ? holder.content.querySelector("[data-conflict-version]") : null;
    if (!node) return null;
    var saved = parseInt(node.getAttribute("data-conflict-version") || "", 10);
    if (isNaN(saved)) return null;
    return { version: saved, writer: node.getAttribute("data-conflict-writer") || "" };
  }

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status !== 409) return;
    var ours = form.contains(event.detail.elt);
    var conflict = ours ? conflictOf(xhr.responseText) : null;
    if (conflict && writer && conflict.writer && conflict.writer === writer.value &&
        conflict.version > version() && adoptions < 5) {
      // This tab's own earlier save: the page closed by a reload (its words came back from
      // this browser's copy), or an answer that never arrived. Continue above it.
      event.detail.shouldSwap = false;
      event.detail.isError = false;
      xhr.reviewAdopt = conflict.version;
      return;
    }
    event.detail.shouldSwap = true;
    event.detail.isError = false;
    if (ours && conflict) xhr.reviewConflict = true;
  });

  // A save that fails (a locked database, a restarting server, no network) says so and is
  // retried with a growing pause until it gets through; the text stays in the form meanwhile.
  function failed(event) {
    if (submitting || !form.contains(event.detail.elt)) return;
    if (status) {
      status.textContent = status.getAttribute("data-msg-retrying") || "";
      status.setAttribute("data-state", "retrying");
    }
    retryDelay = Math.min(Math.max(retryDelay * 2, 2000), 30000);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(saveNow, retryDelay);
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
    if (!form.contains(event.detail.elt)) return;
    var xhr = event.detail.xhr;
    if (!xhr) return;
    if (xhr.reviewAdopt) {
      adoptions += 1;
      setVersion(xhr.reviewAdopt);
      remember();
      setTimeout(saveNow, 0);
      return;
    }
    if (xhr.reviewConflict) {
      // Reloading continues from the other version, as the notice says: the words on this
      // page are left to copy, not restored over it; this browser keeps them apart to show
      // beside it.
      conflicted = true;
      remember();
      return;
    }
    if (xhr.status >= 200 && xhr.status < 300) {
      adoptions = 0;
      retryDelay = 0;
      saved = Math.max(saved, xhr.reviewEdits || 0);
      if (status) status.setAttribute("data-state", "saved");
      if (saved >= edits) forget();
      else remember();
    }
  });

  window.addEventListener("pagehide", function () {
    markTab(false);
    if (submitting || saved >= edits || !navigator.sendBeacon) return;
    var data = new FormData(form);
    var token = csrfCookie();
    if (token) data.set("csrfmiddlewaretoken", token);
    navigator.sendBeacon(form.getAttribute("data-review-autosave"), data);
    saved = edits;
  });
  // Back on this page from the browser's cache: it is this tab's open page again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) markTab(true);
  });
})();
