/* Files are sent as soon as they are chosen, each on its own, with a progress bar; the form
 * then carries only a token per file (core/staged_fields.py, core/staged_uploads.py).
 *
 * Each chosen file is POSTed as the request body (its name percent-encoded in X-File-Name,
 * the CSRF token in X-CSRFToken). When it has arrived, a hidden input with its token takes its
 * place and the file input is emptied, so the form sends no bytes. The form cannot be
 * submitted while a file is on its way. A refused file (too large, empty) shows the server's
 * reason beside its name. Without this script the files simply go with the form.
 *
 * The files waiting on the server are announced to the page (a bubbling "staged-files-change"
 * event with {name, files: [{token, name, size}]}) whenever the list changes, so that the page
 * may keep them with its own copy of the form (static/js/workshops-draft.js); a
 * "staged-files-restore" event with {files} lists them again after a reload. A form sent back
 * with an error (data-staged-bound) lists its files itself. A token gone from the server by
 * then is refused when the form is sent, with a message beside the field.
 */
(function () {
  "use strict";
  if (window.alueagenttiStagedUploads) return; // the widget may be on a page more than once
  window.alueagenttiStagedUploads = true;

  function setup(box) {
    var input = box.querySelector("input[type='file']");
    var list = box.querySelector("[data-staged-list]");
    var status = box.querySelector("[data-staged-status]");
    var form = input && input.form;
    if (!input || !list || !form || !window.XMLHttpRequest) return;
    var url = box.getAttribute("data-upload-url");
    var tokenName = box.getAttribute("data-name");
    var formKey = box.getAttribute("data-form-key") || "";
    var maxBytes = parseInt(box.getAttribute("data-max-bytes") || "0", 10) || 0;
    var busy = 0;

    function msg(key) {
      return box.getAttribute("data-msg-" + key) || "";
    }

    function csrf() {
      // The cookie first: signing in again (in another tab) changes it, and the token this
      // page was rendered with is then refused.
      var cookie = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      if (cookie) return decodeURIComponent(cookie[1]);
      var field = form.querySelector("input[name='csrfmiddlewaretoken']");
      return field ? field.value : "";
    }

    function announce(name, message) {
      if (status) status.textContent = name + ": " + message;
    }

    function setBusy(delta) {
      busy += delta;
      box.setAttribute("data-busy", String(busy));
      var buttons = form.querySelectorAll("[type='submit']");
      for (var i = 0; i < buttons.length; i++) {
        if (busy > 0) {
          buttons[i].disabled = true;
          buttons[i].setAttribute("data-staged-disabled", "");
        } else if (buttons[i].hasAttribute("data-staged-disabled")) {
          buttons[i].disabled = false;
          buttons[i].removeAttribute("data-staged-disabled");
        }
      }
    }

    function element(tag, className, text) {
      var node = document.createElement(tag);
      if (className) node.className = className;
      if (text) node.textContent = text;
      return node;
    }

    function removeButton(name) {
      var button = element("button", "btn btn-sm btn-outline-secondary ms-auto", msg("remove"));
      button.type = "button";
      button.setAttribute("data-staged-remove", "");
      button.setAttribute("data-testid", "staged-file-remove");
      var hidden = element("span", "visually-hidden", " " + name);
      button.appendChild(hidden);
      return button;
    }

    // The files sent and waiting on the server, as listed in the form.
    function waiting() {
      var rows = list.querySelectorAll("[data-staged-file]");
      var files = [];
      for (var i = 0; i < rows.length; i++) {
        var token = rows[i].querySelector("input[type='hidden']");
        if (!token || !token.value) continue;
        var nameNode = rows[i].querySelector(".file-name");
        var sizeNode = rows[i].querySelector("[data-staged-size]");
        files.push({
          token: token.value,
          name: nameNode ? nameNode.textContent : "",
          size: sizeNode ? sizeNode.textContent : ""
        });
      }
      return files;
    }

    function changed() {
      if (typeof window.CustomEvent !== "function") return;
      box.dispatchEvent(new CustomEvent("staged-files-change", {
        bubbles: true,
        detail: { name: tokenName, files: waiting() }
      }));
    }

    // A file sent before the page was reloaded: listed as the server lists a form's files.
    function restoredRow(file) {
      var row = element("li", "d-flex flex-wrap align-items-center gap-2 py-1 border-bottom");
      row.setAttribute("data-staged-file", "");
      row.setAttribute("data-testid", "staged-file");
      row.setAttribute("data-state", "done");
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = tokenName;
      hidden.value = file.token;
      row.appendChild(hidden);
      var name = element("span", "file-name text-break", file.name);
      name.setAttribute("data-testid", "staged-file-name");
      row.appendChild(name);
      var size = element("small", "text-body-secondary", file.size);
      size.setAttribute("data-staged-size", "");
      row.appendChild(size);
      var state = element("span", "small text-success", msg("uploaded"));
      state.setAttribute("data-staged-state", "");
      row.appendChild(state);
      row.appendChild(removeButton(file.name));
      return row;
    }

    box.addEventListener("staged-files-restore", function (event) {
      var files = (event.detail && event.detail.files) || [];
      var have = {};
      waiting().forEach(function (f) { have[f.token] = true; });
      for (var i = 0; i < files.length; i++) {
        var f = files[i];
        if (!f || typeof f.token !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(f.token)) continue;
        if (have[f.token]) continue;
        have[f.token] = true;
        list.appendChild(restoredRow({
          token: f.token,
          name: String(f.name || "").slice(0, 255),
          size: String(f.size || "").slice(0, 40)
        }));
      }
      changed();
    });

    function upload(file) {
      var row = element("li", "d-flex flex-wrap align-items-center gap-2 py-1 border-bottom");
      row.setAttribute("data-staged-file", "");
      row.setAttribute("data-testid", "staged-file");
      row.setAttribute("data-state", "uploading");
      var name = element("span", "file-name text-break", file.name);
      name.setAttribute("data-testid", "staged-file-name");
      var progress = element("progress", "staged-progress");
      progress.max = 100;
      progress.value = 0;
      progress.setAttribute("aria-label", msg("progress") + ": " + file.name);
      var state = element("span", "small text-body-secondary", msg("uploading"));
      state.setAttribute("data-staged-state", "");
      row.appendChild(name);
      row.appendChild(progress);
      row.appendChild(state);
      row.appendChild(removeButton(file.name));
      list.appendChild(row);

      function failed(message) {
        row.setAttribute("data-state", "failed");
        if (progress.parentNode) progress.parentNode.removeChild(progress);
        state.className = "small text-danger";
        state.setAttribute("role", "alert");
        state.textContent = message;
      }

      if (maxBytes && file.size > maxBytes) {
        failed(msg("too-large"));
        return;
      }
      var xhr = new XMLHttpRequest();
      row._stagedRequest = xhr;
      var finished = false;
      function finish() {
        if (finished) return;
        finished = true;
        row._stagedRequest = null;
        setBusy(-1);
      }
      setBusy(1);
      announce(file.name, msg("uploading"));
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRFToken", csrf());
      xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      // The form's name on every device: the same form opened elsewhere lists the file too.
      if (formKey) xhr.setRequestHeader("X-Upload-Form", formKey);
      var type = file.type || "application/octet-stream";
      if (/^(multipart\/|application\/x-www-form-urlencoded)/i.test(type)) {
        type = "application/octet-stream";
      }
      xhr.setRequestHeader("Content-Type", type);
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
      });
      xhr.addEventListener("load", function () {
        var answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
        if (xhr.status === 201 && answer && answer.token) {
          var hidden = document.createElement("input");
          hidden.type = "hidden";
          hidden.name = tokenName;
          hidden.value = answer.token;
          row.insertBefore(hidden, row.firstChild);
          progress.value = 100;
          if (progress.parentNode) progress.parentNode.removeChild(progress);
          var size = element("small", "text-body-secondary", answer.size_display || "");
          size.setAttribute("data-staged-size", "");
          row.insertBefore(size, state);
          state.className = "small text-success";
          state.textContent = msg("uploaded");
          row.setAttribute("data-state", "done");
          announce(file.name, msg("uploaded"));
          changed();
        } else {
          var reason = (answer && answer.error) || msg("failed");
          failed(reason);
          announce(file.name, reason);
        }
        finish();
      });
      xhr.addEventListener("error", function () {
        failed(msg("failed"));
        announce(file.name, msg("failed"));
        finish();
      });
      xhr.addEventListener("abort", finish);
      xhr.send(file);
    }

    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      // The chosen files are sent now; the form itself carries only their tokens.
      input.value = "";
      files.forEach(upload);
    });

    list.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-staged-remove]") : null;
      if (!button) return;
      var row = button.closest("[data-staged-file]");
      if (!row) return;
      if (row._stagedRequest) row._stagedRequest.abort();
      var token = row.querySelector("input[type='hidden']");
      if (token) {
        // The file is removed from the server now rather than after a day (best effort).
        var discard = new XMLHttpRequest();
        discard.open("POST", url + encodeURIComponent(token.value) + "/discard/");
        discard.setRequestHeader("X-CSRFToken", csrf());
        discard.send();
      }
      var nameNode = row.querySelector(".file-name");
      announce(nameNode ? nameNode.textContent : "", msg("removed"));
      row.parentNode.removeChild(row);
      if (token) changed();
      input.focus();
    });

    form.addEventListener("submit", function (event) {
      if (busy > 0) {
        event.preventDefault();
        if (status) status.textContent = msg("wait");
      }
    });

    // The server listed the files of a form sent back with an error: they are the ones waiting.
    if (box.hasAttribute("data-staged-bound")) changed();
  }

  function start() {
    var boxes = document.querySelectorAll("[data-staged-uploads]");
    for (var i = 0; i < boxes.length; i++) setup(boxes[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
