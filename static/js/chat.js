// The chat room page: live messages, sending with an ack, catching up after a reconnect,
// typing indicator, editing and deleting own messages, moderation buttons.
(function () {
  "use strict";
  var page = document.getElementById("chat-room");
  var socket = window.portalSocket;
  if (!page || !socket) return;
  var room = Number(page.dataset.room);
  var me = Number(page.dataset.me);
  var editWindow = Number(page.dataset.editMinutes) * 60 * 1000;
  var moderator = page.dataset.moderator === "1";
  var list = document.getElementById("messages");
  var composer = document.getElementById("composer");
  var errorBox = document.getElementById("composer-error");
  var typingBox = document.getElementById("typing");
  var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"];

  function when(iso) {
    var d = new Date(iso);
    // German time as the server writes it, wherever the browser is.
    var zone = {timeZone: "Europe/Berlin"};
    return d.toLocaleDateString("de-DE", Object.assign({day: "2-digit", month: "2-digit", year: "numeric"}, zone)) + ", " +
      d.toLocaleTimeString("de-DE", Object.assign({hour: "2-digit", minute: "2-digit"}, zone)) + " Uhr";
  }

  function lastId() {
    var items = list.querySelectorAll("li.message[data-id]");
    return items.length ? Number(items[items.length - 1].dataset.id) : 0;
  }

  function button(label, action) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "link"; b.dataset.action = action; b.textContent = label;
    return b;
  }

  function decorate(li) {
    // Own messages get edit and delete while the 15 minutes last; moderators get theirs from the server.
    var actions = li.querySelector(".actions");
    if (!actions || li.classList.contains("removed")) return;
    if (Number(li.dataset.author) === me) {
      li.classList.add("mine");
      var age = Date.now() - new Date(li.dataset.at).getTime();
      if (age < editWindow && !actions.querySelector("[data-action=edit]")) {
        actions.prepend(button("Bearbeiten", "edit"), document.createTextNode(" "), button("Löschen", "delete"), document.createTextNode(" "));
        setTimeout(function () {
          actions.querySelectorAll("[data-action=edit],[data-action=delete]").forEach(function (b) { b.remove(); });
        }, editWindow - age);
      }
    }
  }

  function render(m) {
    var li = document.createElement("li");
    li.className = "message" + (m.removed ? " removed" : "") + (m.author_id ? "" : " system");
    li.id = "m-" + m.id; li.dataset.id = m.id; li.dataset.author = m.author_id || ""; li.dataset.at = m.at;
    var meta = document.createElement("div"); meta.className = "meta";
    var author = document.createElement("strong"); author.className = "author"; author.textContent = m.author;
    var time = document.createElement("time"); time.dateTime = m.at; time.textContent = when(m.at);
    meta.append(author, " ", time);
    if (m.edited && !m.removed) { var e = document.createElement("span"); e.className = "edited"; e.textContent = "(bearbeitet)"; meta.append(" ", e); }
    var body = document.createElement("div"); body.className = "body";
    if (m.removed) { var em = document.createElement("em"); em.textContent = m.html; body.append(em); }
    else body.innerHTML = m.html;  // rendered and escaped by the server (app/chat/text.py)
    li.append(meta, body);
    if (!m.removed) {
      var actions = document.createElement("div"); actions.className = "actions";
      if (moderator) actions.append(button("Entfernen", "remove"), " ", button("Anheften", "pin"));
      li.append(actions);
    }
    decorate(li);
    return li;
  }

  function nearBottom() { return list.scrollHeight - list.scrollTop - list.clientHeight < 80; }

  function add(m) {
    if (m.room !== room || document.getElementById("m-" + m.id)) return;
    var stick = nearBottom();
    var li = render(m);
    li.classList.add("flash-in");
    list.append(li);
    if (stick || m.author_id === me) list.scrollTop = list.scrollHeight;
    if (document.visibilityState === "visible") socket.emit("chat:read", {room: room, id: m.id});
  }

  function replace(m) {
    var old = document.getElementById("m-" + m.id);
    if (old && m.room === room) old.replaceWith(render(m));
  }

  list.querySelectorAll("li.message").forEach(decorate);
  list.scrollTop = list.scrollHeight;
  document.addEventListener("htmx:afterSwap", function () { list.querySelectorAll("li.message").forEach(decorate); });

  socket.on("chat:message", add);
  socket.on("chat:edit", replace);
  socket.on("chat:remove", replace);
  var typingTimer;
  socket.on("chat:typing", function (event) {
    if (event.room !== room) return;
    typingBox.textContent = event.user + " schreibt …";
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typingBox.textContent = ""; }, 3000);
  });
  socket.on("chat:pin", function (event) {
    if (event.room !== room) return;
    var pinned = document.getElementById("pinned");
    if (event.id === null) { if (pinned) pinned.remove(); return; }
    var source = document.querySelector("#m-" + event.id + " .body");
    if (!source) return;
    if (!pinned) { pinned = document.createElement("div"); pinned.id = "pinned"; pinned.className = "pinned"; list.before(pinned); }
    pinned.innerHTML = "<strong>Angeheftet:</strong> ";
    pinned.append(source.cloneNode(true));
  });
  function catchUp() {
    socket.emit("chat:history", {room: room, after: lastId()}, function (answer) {
      if (answer && answer.ok) answer.messages.forEach(add);
    });
  }
  var connectedBefore = socket.connected;
  socket.on("connect", function () {
    // Back after a lost connection: fetch everything newer than the last message shown.
    socket.emit("chat:join", {room: room});
    if (connectedBefore) catchUp();
    connectedBefore = true;
  });
  // The server lost messages between its workers for a while (Redis was away).
  socket.on("portal:resync", catchUp);
  if (socket.connected) socket.emit("chat:join", {room: room});

  function showError(text) {
    if (!errorBox) return;
    errorBox.textContent = text || "";
    errorBox.hidden = !text;
  }

  if (composer) {
    var field = composer.querySelector("textarea");
    composer.addEventListener("submit", function (event) {
      if (!socket.connected) return;  // without the live connection the form posts normally
      event.preventDefault();
      var body = field.value;
      if (!body.trim()) return;
      composer.querySelector("button[type=submit]").disabled = true;
      socket.timeout(5000).emit("chat:send", {room: room, body: body}, function (err, answer) {
        composer.querySelector("button[type=submit]").disabled = false;
        if (err) { showError("Keine Antwort vom Server – bitte noch einmal senden."); return; }
        if (answer.ok) { field.value = ""; showError(""); field.focus(); }
        else showError(answer.error);
      });
    });
    field.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); composer.requestSubmit(); }
    });
    var lastTyping = 0;
    field.addEventListener("input", function () {
      if (Date.now() - lastTyping > 2000) { lastTyping = Date.now(); socket.emit("chat:typing", {room: room}); }
    });
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded", "x-csrftoken": csrf, "HX-Request": "true"},
      body: new URLSearchParams(data || {}),
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().catch(function () { return {ok: response.ok}; }).then(function (answer) {
        if (!response.ok) showError(answer.message || answer.detail || "Das hat nicht geklappt.");
        return answer;
      });
    });
  }

  list.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("button[data-action]");
    if (!target) return;
    var li = target.closest("li.message");
    var id = li.dataset.id;
    var action = target.dataset.action;
    if (action === "delete" && confirm("Nachricht löschen?")) post("/chat/nachricht/" + id + "/loeschen");
    if (action === "remove" && confirm("Nachricht entfernen? Sie bleibt im Protokoll.")) post("/chat/nachricht/" + id + "/entfernen");
    if (action === "pin") post("/chat/" + room + "/anheften", {message_id: id});
    if (action === "edit") {
      var body = li.querySelector(".body");
      var editor = document.createElement("form");
      editor.className = "composer";
      var area = document.createElement("textarea");
      area.maxLength = 2000; area.rows = 2;
      area.value = body.textContent;
      var save = document.createElement("button"); save.type = "submit"; save.textContent = "Speichern";
      editor.append(area, save);
      body.replaceWith(editor);
      area.focus();
      editor.addEventListener("submit", function (e) {
        e.preventDefault();
        post("/chat/nachricht/" + id + "/bearbeiten", {body: area.value}).then(function (answer) {
          if (!answer.ok) editor.replaceWith(body);  // the socket's chat:edit brings the new text
        });
      });
    }
  });
})();
