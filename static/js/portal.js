// The page's own small script: the live connection and its badge, sortable tables, live analysis updates.
(function () {
  "use strict";

  // The cell under a column, counting spanned cells (a hidden group value spans four columns).
  function cellAt(row, index) {
    for (var i = 0, column = 0; i < row.cells.length; i++) {
      column += row.cells[i].colSpan || 1;
      if (column > index) return column - (row.cells[i].colSpan || 1) === index ? row.cells[i] : null;
    }
    return null;
  }

  function valueAt(row, index) {
    var cell = cellAt(row, index);
    return cell ? cell.dataset.value : "";
  }

  function sortTable(th) {
    var table = th.closest("table");
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.dataset.sort === "number";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th[aria-sort]").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    rows.sort(function (a, b) {
      var x = valueAt(a, index), y = valueAt(b, index);
      if (numeric) {
        // Rows without a value stay at the end either way.
        if (x === "" || x === undefined) return 1;
        if (y === "" || y === undefined) return -1;
        return ascending ? x - y : y - x;
      }
      return ascending ? String(x).localeCompare(y, "de") : String(y).localeCompare(x, "de");
    });
    rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
  }

  document.addEventListener("click", function (event) {
    var th = event.target.closest && event.target.closest("table.sortable th[data-sort]");
    if (th) sortTable(th);
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-print]");
    if (link) { event.preventDefault(); window.print(); }
  });
  document.addEventListener("keydown", function (event) {
    var th = event.target.closest && event.target.closest("table.sortable th[data-sort]");
    if (th && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); sortTable(th); }
  });
  document.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll("table.sortable th[data-sort]").forEach(function (th) { th.tabIndex = 0; });
  });
  document.querySelectorAll("table.sortable th[data-sort]").forEach(function (th) { th.tabIndex = 0; });

  // A wide table's column chooser: unticked columns are hidden, and the choice is kept in this
  // browser per table (data-remember), so the next visit shows the same columns.
  function applyColumns(chooser) {
    var table = document.getElementById(chooser.dataset.columnsFor);
    if (!table) return;
    var hidden = [];
    chooser.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      if (!box.checked) hidden.push(box.value);
    });
    table.querySelectorAll("[data-key]").forEach(function (cell) {
      cell.hidden = hidden.indexOf(cell.dataset.key) !== -1;
    });
    try { localStorage.setItem(chooser.dataset.remember, JSON.stringify(hidden)); } catch (e) { /* private mode */ }
  }
  function initChoosers() {
    document.querySelectorAll("[data-columns-for]").forEach(function (chooser) {
      var saved = [];
      try { saved = JSON.parse(localStorage.getItem(chooser.dataset.remember) || "[]"); } catch (e) { saved = []; }
      chooser.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        box.checked = saved.indexOf(box.value) === -1;
      });
      applyColumns(chooser);
    });
  }
  document.addEventListener("change", function (event) {
    var chooser = event.target.closest && event.target.closest("[data-columns-for]");
    if (chooser) applyColumns(chooser);
  });
  document.addEventListener("htmx:afterSwap", initChoosers);
  initChoosers();

  // Filters that apply at once, and the entry's choice of partner and month (no inline handlers:
  // the content security policy allows scripts from this file only).
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-submit-on-change]");
    if (form) form.requestSubmit();
  });
  // The main menu folds behind its button when it would take more than one line.
  var topbar = document.querySelector(".topbar");
  var menuButton = topbar && topbar.querySelector(".menu-button");
  var menuList = topbar && topbar.querySelector(".menu ul");
  function fitMenu() {
    if (!menuList || !menuList.firstElementChild) return;
    var open = topbar.classList.contains("open");
    topbar.classList.remove("collapsed", "open");
    var wraps = menuList.offsetHeight > menuList.firstElementChild.offsetHeight * 1.6;
    topbar.classList.toggle("collapsed", wraps);
    topbar.classList.toggle("open", wraps && open);
    menuButton.setAttribute("aria-expanded", String(wraps && open));
  }
  if (menuButton) {
    fitMenu();
    var resizing = null;
    window.addEventListener("resize", function () { clearTimeout(resizing); resizing = setTimeout(fitMenu, 100); });
    menuButton.addEventListener("click", function () {
      var open = !topbar.classList.contains("open");
      topbar.classList.toggle("open", open);
      menuButton.setAttribute("aria-expanded", String(open));
      if (open) menuList.querySelector("a").focus();
    });
  }
  // The analysis filters carry each chart's own view along (hx-include would log an error
  // whenever no chart has one).
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-include-views]")) return;
    document.querySelectorAll("#analysis input[name=ansicht]").forEach(function (input) {
      event.detail.parameters.append("ansicht", input.value);
    });
  });
  // Uploads take a while: the button says so and cannot be pressed twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-busy]")) return;
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; button.textContent = form.dataset.busy; }
    form.setAttribute("aria-busy", "true");
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-entry-choice]")) return;
    event.preventDefault();
    location.href = "/erfassung/" + encodeURIComponent(form.partner.value) + "/" + encodeURIComponent(form.month.value);
  });

  var badge = document.getElementById("live-status");
  if (!badge || typeof io === "undefined") return;

  function show(state, text) {
    badge.dataset.state = state;
    badge.textContent = text;
  }

  // One refresh at a time; an event arriving meanwhile fetches once more afterwards, so that a
  // burst of releases never leaves the page on the figures of the first one.
  var refreshing = false, again = false;
  function refreshAnalysis() {
    var target = document.getElementById("analysis");
    if (!target || typeof htmx === "undefined") return;
    if (refreshing) { again = true; return; }
    refreshing = true;
    htmx.ajax("GET", window.location.pathname + window.location.search, {target: "#analysis", swap: "innerHTML"})
      .then(function () {
        var note = document.getElementById("updated-note");
        if (note) {
          note.hidden = false;
          note.textContent = "aktualisiert " + new Date().toLocaleTimeString("de-DE", {hour: "2-digit", minute: "2-digit"});
        }
      })
      .finally(function () {
        refreshing = false;
        if (again) { again = false; refreshAnalysis(); }
      });
  }

  function concerns(event) {
    var meta = document.getElementById("analysis-meta");
    if (!meta) return false;
    if (event.period !== meta.dataset.period) return false;
    return String(event.group) === meta.dataset.group || String(event.partner) === meta.dataset.partner;
  }

  // Websocket only: with several workers, long-polling would need sticky sessions (PITFALLS 11).
  var socket = io({ transports: ["websocket"] });
  var connectedBefore = false;
  socket.on("connect", function () {
    show("online", "live");
    // After a lost connection, fetch what may have changed meanwhile.
    if (connectedBefore) refreshAnalysis();
    connectedBefore = true;
  });
  socket.on("disconnect", function () { show("offline", "offline"); });
  socket.on("connect_error", function () { show("offline", "offline"); });
  socket.on("kpi:own", function (event) { if (concerns(event)) refreshAnalysis(); });

  // A page's live region reloads when one of the events it names arrives (data-live-refresh,
  // default kpi:own: targets and actuals over many partners); a burst makes one reload.
  var liveTimer;
  function refreshRegion(name) {
    var region = document.querySelector("[data-live-refresh]");
    if (!region || !region.id || typeof htmx === "undefined") return;
    var wanted = (region.dataset.liveRefresh || "kpi:own").split(" ");
    if (wanted.indexOf(name) < 0) return;
    clearTimeout(liveTimer);
    liveTimer = setTimeout(function () {
      htmx.ajax("GET", window.location.pathname + window.location.search,
        {target: "#" + region.id, select: "#" + region.id, swap: "outerHTML"});
    }, 400);
  }
  socket.on("kpi:own", function () { refreshRegion("kpi:own"); });
  socket.on("notification:new", function () { refreshRegion("notification:new"); });

  // Unread chat messages and mentions: the badge in the navigation and in room lists.
  var unreadBadge = document.getElementById("chat-unread");
  var unreadTimer;
  function refreshUnread() {
    if (!unreadBadge) return;
    fetch("/chat/ungelesen", {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; }).then(function (counts) {
      if (!counts) return;
      unreadBadge.textContent = counts.mentions ? counts.total + " · @" + counts.mentions : counts.total;
      unreadBadge.hidden = !counts.total;
      var folded = document.getElementById("menu-unread");  // the same count on the folded menu's button
      if (folded) { folded.textContent = counts.total; folded.hidden = !counts.total; }
      Object.keys(counts.rooms).forEach(function (id) {
        var room = counts.rooms[id];
        document.querySelectorAll('[data-unread="' + id + '"]').forEach(function (b) { b.textContent = room.messages; b.hidden = !room.messages; });
        document.querySelectorAll('[data-mentions="' + id + '"]').forEach(function (b) { b.textContent = "@" + room.mentions; b.hidden = !room.mentions; });
      });
    });
  }
  function soon() { clearTimeout(unreadTimer); unreadTimer = setTimeout(refreshUnread, 300); }
  socket.on("chat:message", soon);
  socket.on("chat:unread", soon);
  refreshUnread();
  socket.on("kpi:update", function (event) { if (concerns(event)) refreshAnalysis(); });
  // The notification centre: the count in the navigation, and new entries on its page, live.
  var bellBadge = document.getElementById("notification-unread");
  function refreshBell() {
    if (!bellBadge) return;
    fetch("/benachrichtigungen/anzahl", {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; }).then(function (counts) {
      if (!counts) return;
      bellBadge.textContent = counts.unread;
      bellBadge.hidden = !counts.unread;
    });
  }
  socket.on("notification:new", function (note) {
    refreshBell();
    var list = document.getElementById("notification-list");
    var empty = document.getElementById("notification-list-empty");
    if (!list && empty) {
      list = document.createElement("ul");
      list.id = "notification-list";
      list.className = "notifications";
      empty.replaceWith(list);
    }
    if (list) {
      var item = document.createElement("li");
      item.className = "unread";
      item.dataset.notification = note.id;
      var link = document.createElement("a");
      link.href = "/benachrichtigungen/" + encodeURIComponent(note.id);
      link.textContent = note.title;  // text, never markup
      item.appendChild(link);
      list.insertBefore(item, list.firstChild);
    }
  });
  refreshBell();
  // Events between the server's workers were lost for a while (Redis was away): fetch anew.
  socket.on("portal:resync", function () { refreshAnalysis(); refreshUnread(); refreshBell(); });
  window.portalSocket = socket;
})();
