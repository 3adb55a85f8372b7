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
 * and says so instead of writing over them.
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
  var timer = null;
  var inFlight = false;
  var retryDelay = 0;
  var closed = false;
  var writer = (window.crypto && window.crypto.randomUUID)
    ? window.crypto.randomUUID()
    : String(Date.now()) + String(Math.random()).slice(2);

  function token() {
    var input = form && form.querySelector("input[name='csrfmiddlewaretoken']");
    return input ? input.value : "";
  }

  function remember() {
    try {
      localStorage.setItem(key, JSON.stringify({ revision: revision, text: text.value }));
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

  function save() {
    if (closed || revision <= savedRevision) return;
    if (inFlight) { schedule(300); return; }
    inFlight = true;
    var sent = revision;
    fetch(url, {
      method: "POST",
      body: payload(),
      credentials: "same-origin",
      headers: { "X-CSRFToken": token() }
    }).then(function (response) {
      return response.text().then(function (body) {
        inFlight = false;
        var stored = parseInt(response.headers.get("X-Draft-Revision") || "", 10);
        if (response.ok) {
          retryDelay = 0;
          savedRevision = Math.max(savedRevision, sent);
          if (status) { status.innerHTML = body; status.setAttribute("data-state", "saved"); }
          if (revision > savedRevision) schedule(800); else forget();
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
          savedRevision = Math.min(savedRevision, stored);
          remember();
          schedule(0);
        } else if (response.status >= 400 && response.status < 500) {
          // Refused for good (the answer was sent, or the text is too long): say why.
          closed = response.status === 409;
          say(body);
          if (status) status.setAttribute("data-state", "refused");
        } else {
          failed();
        }
      });
    }).catch(failed);
  }

  // After a reload: this browser may hold newer words than the page was rendered with.
  try {
    var local = JSON.parse(localStorage.getItem(key) || "null");
    if (local && typeof local.revision === "number" && local.revision > revision) {
      if (local.text !== text.value) {
        text.value = local.text;
        say(status ? status.getAttribute("data-msg-restored") : "");
      }
      revision = local.revision;
      schedule(0);
    } else if (local) {
      forget();
    }
  } catch (e) { forget(); }

  text.addEventListener("input", function () {
    if (closed) return;  // refused: this browser's copy of the newer words stays as it is
    revision += 1;
    remember();
    schedule(800);
  });

  // Submitting sends the text itself (and the server then drops the draft).
  if (form) {
    form.addEventListener("submit", function () {
      closed = true;
      clearTimeout(timer);
      forget();
    });
  }

  window.addEventListener("pagehide", function () {
    if (closed || revision <= savedRevision || !navigator.sendBeacon) return;
    navigator.sendBeacon(url, payload());
  });
})();
