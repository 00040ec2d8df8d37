// Keyboard shortcuts of the triage board (listed on the page, "Raccourcis clavier"):
// j / k next / previous ticket, x tick the chosen one, Enter open it, t take the ticked ones.
// Inactive while typing in a field; the rows are re-read on every key (htmx refreshes them).
(function () {
  "use strict";
  var current = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#board-table tbody tr[id^='row-']")); }
  function typing(el) { return el && (el.isContentEditable || /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(el.tagName) && el.type !== "checkbox"); }
  function choose(list, i) {
    if (!list.length) { return; }
    current = Math.max(0, Math.min(list.length - 1, i));
    list.forEach(function (r) { r.classList.remove("is-current"); r.removeAttribute("aria-current"); });
    var row = list[current];
    row.classList.add("is-current");
    row.setAttribute("aria-current", "true");
    var link = row.querySelector("a[href]");
    if (link) { link.focus(); }
  }
  // A live refresh (htmx swap of #board-results) keeps what was ticked and the chosen row.
  var ticked = [], chosen = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "board-results") { return; }
    ticked = Array.prototype.map.call(document.querySelectorAll("input[name=tickets][form=board-bulk]:checked"), function (b) { return b.value; });
    var list = rows();
    chosen = list[current] ? list[current].id : null;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "board-results") { return; }
    ticked.forEach(function (ref) {
      var box = document.getElementById("pick-" + ref);
      if (box) { box.checked = true; }
    });
    var list = rows();
    current = chosen ? list.findIndex(function (r) { return r.id === chosen; }) : -1;
    if (current >= 0) { list[current].classList.add("is-current"); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var list = rows();
    var active = document.activeElement && document.activeElement.closest ? document.activeElement.closest("#board-table tbody tr") : null;
    if (active) { current = list.indexOf(active); }
    if (event.key === "j") { choose(list, current + 1); event.preventDefault(); }
    else if (event.key === "k") { choose(list, current - 1); event.preventDefault(); }
    else if (event.key === "x" && list[current]) {
      var box = list[current].querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; }
      event.preventDefault();
    } else if (event.key === "t") {
      var form = document.getElementById("board-bulk");
      if (!form || !document.querySelector("input[name=tickets][form=board-bulk]:checked")) { return; }
      form.querySelector("select[name=action]").value = "take";
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  });
})();
