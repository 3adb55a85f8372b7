/* The learner's answer autosaves after each pause in typing and when the page is left.
 *
 * Every edit raises the page's revision; the server keeps a draft only if its revision is
 * newer than the stored one, so a late page-close save never overwrites newer words. The
 * newest text and its revision are also kept in this browser (localStorage): after a reload
 * whose page was rendered before the page-close save landed, the newer local text is shown
 * and saved again. A failed save says so ("Not saved, retrying…") and retries until it works.
 *
 * Each page load names itself (`writer`, kept with the draft): a newer revision saved by this
 * page is its own earlier save, and its words are saved above it; one saved by another page
 * (a second tab, another device) holds words this page never had, so this page stops saving
 * and says so instead of writing over them. Each page counts its own edits, so a save also
 * names the stored revision its words were built on (`base`): another page's save above it is
 * refused even when this page has counted more edits than that page.
 *
 * Only an answer that carries the saved revision (X-Draft-Revision) is a save: a sign-in page
 * (the session ended, or the person signed out in another tab) is not, so the words stay in
 * this browser and the page says to sign in again; saving goes on once they have.
 *
 * A refusal's words are shown only when they are the draft view's own (X-Draft-Refusal: plain
 * text). Any other 4xx (a 404 page once the person is no longer on the team or in the cohort)
 * is never put into the status line: the page says in its own words that the text is not
 * saved, stops saving, and keeps what is typed from then on in this browser.
 *
 * The files sent ahead of the form (static/js/staged-uploads.js) are kept beside the words, so
 * a reload lists them again. Submitting keeps the words and files in this browser: they are
 * forgotten only when a later page shows a newer version of the phase than the one the submit
 * went over (the submit arrived); a submit lost on the way leaves them to be restored. Back
 * on this page after its submit, from the browser's back-forward cache, loads it again: the
 * form as it was before the submit is never offered to edit and send a second time.
 */
(function () {
  "use strict";
  var text = document.querySelector("textarea[data-draft-url][data-testid='answer-text']");
  if (!text) return;
  var form = text.form;
  var url = text.getAttribute("data-draft-url");
  var status = document.getElementById("draft-status");
  // Per person and answer: team mates may write on the same computer.
  var key = "alueagentti-draft:" + (text.getAttribute("data-draft-owner") || "") + ":" + url;
  var revision = parseInt(text.getAttribute("data-draft-revision") || "0", 10) || 0;
  var savedRevision = revision;
  // The stored revision this page's words are built on (shown with the page, or saved by it):
  // a save by another page above it is never written over (workshops.services.draft_save).
  var base = revision;
  var timer = null;
  var inFlight = false;
  var retryDelay = 0;
  var closed = false;
  // The page is no longer open to this person: nothing is saved, the browser keeps the words.
  var gone = false;
  // The phase's newest version as this page shows it (workshops/assignment_detail.html).
  var lastVersion = status ? status.getAttribute("data-last-version") || "" : "";
  var files = {};  // the files waiting on the server, per field: [{token, name, size}]
  // Words this browser kept that another page's newer save left behind: shown to copy from,
  // and kept until the person writes in the answer.
  var aside = null;
  var submitting = false;
  // The version a submit from this page went over, until the page knows it did not arrive.
  var sentOver = null;
  var writer = (window.crypto && window.crypto.randomUUID)
    ? window.crypto.randomUUID()
    : String(Date.now()) + String(Math.random()).slice(2);

  function token() {
    // The cookie first: signing in again (in another tab) changes it, and the token this page
    // was rendered with is then refused.
    var cookie = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (cookie) return decodeURIComponent(cookie[1]);
    var input = form && form.querySelector("input[name='csrfmiddlewaretoken']");
    return input ? input.value : "";
  }

  function hasFiles() {
    for (var name in files) {
      if (Object.prototype.hasOwnProperty.call(files, name) && files[name].length) return true;
    }
    return false;
  }

  // This browser's copy: words the server does not hold yet (or that a submit is sending) and
  // the files waiting on the server; nothing left to keep removes it.
  function remember() {
    var keepText = revision > savedRevision || sentOver !== null;
    if (!keepText && !hasFiles() && aside === null) { forget(); return; }
    var copy = { revision: revision, base: base, files: files };
    if (keepText) copy.text = text.value;
    if (aside !== null) copy.aside = aside;
    if (sentOver !== null) copy.sent = sentOver;
    try {
      localStorage.setItem(key, JSON.stringify(copy));
    } catch (e) { /* private mode or full storage: the server copy still works */ }
  }

  function forget() {
    try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
  }

  function say(message) {
    if (status) status.textContent = message;
  }

  function payload() {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token());
    data.append("text", text.value);
    data.append("revision", String(revision));
    data.append("base", String(base));
    data.append("writer", writer);
    return data;
  }

  function otherWriter(response) {
    var stored = response.headers.get("X-Draft-Writer") || "";
    return stored !== "" && stored !== writer;
  }

  function schedule(delay) {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  }

  function failed() {
    inFlight = false;
    say(status ? status.getAttribute("data-msg-retrying") : "");
    if (status) status.setAttribute("data-state", "retrying");
    retryDelay = Math.min(Math.max(retryDelay * 2, 2000), 30000);
    schedule(retryDelay);
  }

  // The sign-in page (a redirect) or a refusal for want of a session: nothing was saved.
  function signedOut(response) {
    return response.type === "opaqueredirect" || response.redirected ||
      response.status === 401 || response.status === 403;
  }

  function signedOutNow() {
    inFlight = false;
    remember();
    say(status ? status.getAttribute("data-msg-signed-out") : "");
    if (status) status.setAttribute("data-state", "signed-out");
    // Tried again now and then, and at once when the person comes back to this tab.
    retryDelay = Math.min(Math.max(retryDelay * 2, 5000), 60000);
    schedule(retryDelay);
  }

  function save() {
    if (closed || submitting || revision <= savedRevision) return;
    if (inFlight) { schedule(300); return; }
    inFlight = true;
    var sent = revision;
    fetch(url, {
      method: "POST",
      body: payload(),
      credentials: "same-origin",
      // A redirect is the sign-in page: it is not followed, and it is not a save.
      redirect: "manual",
      headers: { "X-CSRFToken": token() }
    }).then(function (response) {
      return response.text().then(function (body) {
        inFlight = false;
        var stored = parseInt(response.headers.get("X-Draft-Revision") || "", 10);
        if (signedOut(response)) {
          signedOutNow();
        } else if (response.ok && isNaN(stored)) {
          // Not the draft's answer (a proxy's page, say): not saved.
          failed();
        } else if (response.ok) {
          retryDelay = 0;
          savedRevision = Math.max(savedRevision, sent);
          if (!isNaN(stored)) base = Math.max(base, stored);
          // The phase still takes drafts: no submit from this page has arrived.
          sentOver = null;
          if (status) { status.innerHTML = body; status.setAttribute("data-state", "saved"); }
          remember();
          if (revision > savedRevision) schedule(800);
        } else if (response.status === 409 && !isNaN(stored) && otherWriter(response)) {
          // Another tab or device saved newer words: keep this page's text on screen for
          // copying, but never save it over theirs.
          closed = true;
          say(status ? status.getAttribute("data-msg-elsewhere") : "");
          if (status) status.setAttribute("data-state", "elsewhere");
        } else if (response.status === 409 && !isNaN(stored)) {
          // The server holds a newer revision this page saved (a request whose answer was
          // lost), or one from before a reload: the words on this page were typed after it,
          // so they are kept and saved above it.
          if (stored >= revision) revision = stored + 1;
          base = Math.max(base, stored);
          savedRevision = Math.min(savedRevision, stored);
          remember();
          schedule(0);
        } else if (response.status >= 400 && response.status < 500 &&
                   response.headers.get("X-Draft-Refusal") === "1") {
          // Refused for good (the answer was sent, or the text is too long): say why.
          closed = response.status === 409;
          say(body);
          if (status) status.setAttribute("data-state", "refused");
        } else if (response.status >= 400 && response.status < 500) {
          // Not the draft's own answer (a 404 page: no longer on the team or in the cohort).
          // Its body is a whole page, never shown here; the words stay in this browser.
          closed = true;
          gone = true;
          remember();
          say(status ? status.getAttribute("data-msg-gone") : "");
          if (status) status.setAttribute("data-state", "gone");
        } else {
          failed();
        }
      });
    }).catch(failed);
  }

  // After a reload: this browser may hold newer words than the page was rendered with, and
  // the files sent ahead of the form.
  try {
    var local = JSON.parse(localStorage.getItem(key) || "null");
    if (local && typeof local.sent === "string" && local.sent !== lastVersion) {
      // A submit went out from a page showing an older version, and a newer one is here now:
      // the submit arrived (or a team mate's version did), and its words and files with it.
      local = null;
    }
    if (local && typeof local.text === "string" && typeof local.base === "number" &&
        local.base < revision) {
      // Another page saved after these words were typed (this one was stopped from writing
      // over them): the page shows the newest saved answer, and these words beside it.
      if (local.text !== text.value) aside = local.text;
    } else if (local && typeof local.aside === "string") {
      aside = local.aside;
    }
    if (aside !== null) {
      var box = document.querySelector("[data-testid='browser-draft']");
      var boxText = box && box.querySelector("[data-testid='browser-draft-text']");
      if (boxText) { boxText.textContent = aside; box.hidden = false; }
    } else if (local && typeof local.revision === "number" && typeof local.text === "string" &&
        local.revision > revision) {
      if (local.text !== text.value) {
        text.value = local.text;
        say(status ? status.getAttribute("data-msg-restored") : "");
      }
      revision = local.revision;
      // This browser's words were built on its own last save, which the server may hold now.
      base = local.revision;
      schedule(0);
    }
    if (local && local.files && typeof local.files === "object") {
      for (var field in local.files) {
        if (Object.prototype.hasOwnProperty.call(local.files, field) &&
            Object.prototype.toString.call(local.files[field]) === "[object Array]") {
          files[field] = local.files[field];
        }
      }
    }
    remember();
  } catch (e) { forget(); }

  // List the kept files again; a form the server sent back lists its own (data-staged-bound).
  function restoreFiles() {
    if (!form || typeof window.CustomEvent !== "function") return;
    var boxes = form.querySelectorAll("[data-staged-uploads]");
    for (var i = 0; i < boxes.length; i++) {
      var kept = files[boxes[i].getAttribute("data-name")];
      if (kept && kept.length && !boxes[i].hasAttribute("data-staged-bound")) {
        boxes[i].dispatchEvent(new CustomEvent("staged-files-restore", { detail: { files: kept } }));
      }
    }
  }
  if (form) {
    form.addEventListener("staged-files-change", function (event) {
      if (!event.detail || !event.detail.name) return;
      files[event.detail.name] = event.detail.files || [];
      remember();
    });
  }
  // staged-uploads.js is deferred: it has set its lists up by DOMContentLoaded.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restoreFiles);
  } else {
    restoreFiles();
  }

  text.addEventListener("input", function () {
    // Refused: this browser's copy of the newer words stays as it is, unless the page is
    // gone, when this browser is the only place the words are kept.
    if (closed && !gone) return;
    aside = null;
    revision += 1;
    remember();
    schedule(800);
  });

  // Submitting sends the text itself (and the server then drops the draft). The words and
  // files stay in this browser until a page shows that the version arrived: the submit may
  // still be lost on the way. Listened for on the document, after the form's own listeners,
  // so that a submit they stopped (a file still on its way) leaves the autosave running.
  document.addEventListener("submit", function (event) {
    if (event.target !== form || event.defaultPrevented) return;
    submitting = true;
    clearTimeout(timer);
    sentOver = lastVersion;
    remember();
    // A new sign-in (in another tab) changed the token the form was rendered with.
    var field = form.querySelector("input[name='csrfmiddlewaretoken']");
    var current = token();
    if (field && current) field.value = current;
  });

  // Back on this page after a submit (from the browser's back-forward cache): the form as it
  // was before the submit would invite editing and sending again, though the version has most
  // likely arrived (its autosave and a second send would both be refused). The page is loaded
  // again and shows the phase as it is now: sent, or, when the submit was lost on the way, the
  // form with these words, which this browser kept (above: `sentOver`).
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted || !submitting) return;
    if (form) {
      var controls = form.querySelectorAll("textarea, input, button");
      for (var i = 0; i < controls.length; i++) controls[i].disabled = true;
    }
    window.location.reload();
  });

  // Back in this tab (perhaps signed in again in another one): try a waiting save at once.
  function retryNow() {
    if (document.visibilityState === "hidden" || closed || submitting) return;
    if (revision > savedRevision && !inFlight && retryDelay > 0) schedule(0);
  }
  window.addEventListener("focus", retryNow);
  document.addEventListener("visibilitychange", retryNow);

  window.addEventListener("pagehide", function () {
    if (closed || submitting || revision <= savedRevision || !navigator.sendBeacon) return;
    navigator.sendBeacon(url, payload());
  });
})();
