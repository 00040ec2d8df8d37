// Behaviour shared by the pages (loaded with `defer`, no inline script: CSP with nonces).
(function () {
  "use strict";

  // --- SLA countdowns: the text is refreshed every 30 s (the colour only repeats it) -----------
  function duration(seconds) {
    seconds = Math.abs(Math.floor(seconds));
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600), m = Math.floor((seconds % 3600) / 60);
    var en = document.documentElement.lang === "en";
    if (d) { return d + (en ? " d " : " j ") + h + " h"; }
    if (h) { return h + " h " + (m < 10 ? "0" : "") + m; }
    return m + " min";
  }
  function refreshCountdowns() {
    var en = document.documentElement.lang === "en";
    document.querySelectorAll(".sla[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due), warn = el.dataset.warning ? Date.parse(el.dataset.warning) : null, now = Date.now();
      var left = (due - now) / 1000, text, mod;
      if (left < 0) { mod = "breached"; text = (en ? "overdue by " : "dépassé de ") + duration(left); }
      else if (warn && now >= warn) { mod = "warning"; text = (en ? "due soon: " : "bientôt dû : reste ") + duration(left); }
      else { mod = "ok"; text = (en ? "" : "reste ") + duration(left) + (en ? " left" : ""); }
      el.className = "sla sla--" + mod;
      var hidden = el.querySelector(".visually-hidden");
      el.textContent = text;
      if (hidden) { el.prepend(hidden); }
    });
  }
  setInterval(refreshCountdowns, 30000);

  // --- Live updates over a websocket -------------------------------------------------------------
  function connect(url, onMessage, statusEl) {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket, retry = 1000;
    var en = document.documentElement.lang === "en";
    function open() {
      socket = new WebSocket(scheme + location.host + url);
      socket.onopen = function () { retry = 1000; if (statusEl) { statusEl.textContent = en ? "Live updates: on" : "Mises à jour en direct : actives"; statusEl.dataset.live = "on"; } };
      socket.onmessage = function (e) { try { onMessage(JSON.parse(e.data)); } catch (err) { /* ignore malformed */ } };
      socket.onclose = function () {
        if (statusEl) { statusEl.textContent = en ? "Live updates: reconnecting…" : "Mises à jour en direct : reconnexion…"; statusEl.dataset.live = "off"; }
        setTimeout(open, retry); retry = Math.min(retry * 2, 30000);
      };
    }
    open();
  }

  function initBoard() {
    var status = document.getElementById("live-status");
    var results = document.getElementById("board-results");
    if (!status || !results || !status.dataset.ws) { return; }
    var announce = document.getElementById("live-announce");
    connect(status.dataset.ws, function (msg) {
      var url = results.dataset.refresh + location.search;
      htmx.ajax("GET", url, { target: "#board-results", swap: "innerHTML" }).then(function () {
        var row = document.getElementById("row-" + msg.reference);
        if (row) { row.classList.add("board-row--flash"); }
        refreshCountdowns();
        if (announce) {
          // The state as the refreshed row words it (msg.state is the stored code, never shown).
          var en = document.documentElement.lang === "en";
          var badge = row && row.querySelector(".fr-badge");
          var label = badge ? badge.textContent.trim() : "";
          announce.textContent = (en ? "Ticket " : "Demande ") + msg.reference + (en ? " updated" : " mise à jour") + (label ? (en ? ": " : " : ") + label : ".");
        }
      });
    }, status);
  }

  function initTicket() {
    var live = document.getElementById("ticket-live");
    if (!live || !live.dataset.ws) { return; }
    connect(live.dataset.ws, function (msg) {
      if (String(msg.version) !== live.dataset.version) {
        var en = document.documentElement.lang === "en";
        live.innerHTML = "";
        var p = document.createElement("p");
        p.className = "fr-alert fr-alert--warning";
        p.textContent = en ? "This ticket has just changed. " : "Cette demande vient d'être modifiée. ";
        var a = document.createElement("a");
        a.href = location.pathname; a.textContent = en ? "Reload" : "Recharger la page";
        p.appendChild(a); live.appendChild(p);
      }
    }, null);
  }

  // Move focus to the error summary so that keyboard and screen-reader users hear it first.
  function focusErrors() {
    var box = document.getElementById("form-errors") || document.getElementById("action-error");
    if (box) { box.focus(); }
  }

  // A field that only concerns one category (the resource of a third-party request): shown while
  // that category is chosen. Without JavaScript it simply stays visible.
  function initCategoryFields() {
    var fields = document.querySelectorAll("[data-show-for-category]");
    if (!fields.length) { return; }
    function sync() {
      var checked = document.querySelector("input[name=category]:checked");
      fields.forEach(function (el) { el.hidden = !checked || checked.value !== el.dataset.showForCategory; });
    }
    document.querySelectorAll("input[name=category]").forEach(function (r) { r.addEventListener("change", sync); });
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    refreshCountdowns(); initBoard(); initTicket(); focusErrors(); initCategoryFields();
  });
})();
