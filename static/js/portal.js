// The page's own small script: the live connection and its status badge.
(function () {
  "use strict";
  var badge = document.getElementById("live-status");
  if (!badge || typeof io === "undefined") return;

  function show(state, text) {
    badge.dataset.state = state;
    badge.textContent = text;
  }

  // Websocket only: with several workers, long-polling would need sticky sessions (PITFALLS 11).
  var socket = io({ transports: ["websocket"] });
  socket.on("connect", function () { show("online", "live"); });
  socket.on("disconnect", function () { show("offline", "offline"); });
  socket.on("connect_error", function () { show("offline", "offline"); });
  window.portalSocket = socket;
})();
