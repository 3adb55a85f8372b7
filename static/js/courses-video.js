/* Tell the server when a course video has played to the end.
 *
 * Works for an uploaded <video> (its "ended" event) and for YouTube (youtube-nocookie.com) and
 * Vimeo embeds through their postMessage APIs, so no third-party script is loaded. The element
 * carries data-watched-url; the response (a small HTML fragment) replaces #complete-area.
 */
(function () {
  "use strict";
  var ORIGINS = {
    youtube: "https://www.youtube-nocookie.com",
    vimeo: "https://player.vimeo.com",
  };
  var reported = false;

  function report(element) {
    if (reported) return;
    reported = true;
    var url = element.getAttribute("data-watched-url");
    if (!url) return;
    window.htmx.ajax("POST", url, { source: element, target: "#complete-area", swap: "innerHTML" });
  }

  document.querySelectorAll("video[data-watched-url]").forEach(function (video) {
    video.addEventListener("ended", function () { report(video); });
  });

  document.querySelectorAll("iframe[data-watched-url]").forEach(function (frame) {
    var provider = frame.getAttribute("data-video-provider");
    var origin = ORIGINS[provider];
    if (!origin) return;

    function send(message) {
      if (frame.contentWindow) frame.contentWindow.postMessage(JSON.stringify(message), origin);
    }

    function subscribe() {
      if (provider === "youtube") {
        send({ event: "listening", id: "alueagentti", channel: "widget" });
        send({ event: "command", func: "addEventListener", args: ["onStateChange"], id: "alueagentti", channel: "widget" });
      } else {
        send({ method: "addEventListener", value: "ended" });
      }
    }

    frame.addEventListener("load", subscribe);
    // A player that loaded before this script ran (a cached or fast one) fired its "load" and
    // its "ready" before anyone listened: its document is then the player's, which another
    // origin cannot read (contentDocument is null), so ask it now. Until the player's document
    // arrives, the frame holds the initial about:blank, which is ours to read; "load" will come.
    // Asking twice is harmless: only the first "ended" is reported.
    if (frame.contentDocument === null) subscribe();

    window.addEventListener("message", function (event) {
      if (event.origin !== origin || event.source !== frame.contentWindow) return;
      var data = event.data;
      if (typeof data === "string") {
        try { data = JSON.parse(data); } catch (e) { return; }
      }
      if (!data) return;
      if (provider === "youtube") {
        var ended = (data.event === "onStateChange" && data.info === 0) ||
          (data.event === "infoDelivery" && data.info && data.info.playerState === 0);
        if (ended) report(frame);
      } else if (data.event === "ready") {
        send({ method: "addEventListener", value: "ended" });
      } else if (data.event === "ended") {
        report(frame);
      }
    });
  });
})();
