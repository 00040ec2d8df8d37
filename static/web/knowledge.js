// Report form: while the title is typed, matching help articles and similar open tickets appear
// (GET the JSON of web:kb_suggestions, debounced). Progressive enhancement: without this script the
// form works as before. "Ça m'a aidé" and "Je suis aussi concerné·e" are ordinary POST forms.
(function () {
  "use strict";
  var box = document.getElementById("deflection");
  var title = document.getElementById("id_title");
  var form = document.getElementById("report-form");
  if (!box || !title || !form) { return; }
  var content = box.querySelector(".deflection__content");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
  var timer = null, last = "", seq = 0;

  function field(name) {
    var el = form.querySelector("[name=" + name + "]");
    return el ? el.value : "";
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }
  function postForm(action, values, label, cls) {
    var f = el("form", { method: "post", action: action, "class": "deflection__action" });
    f.appendChild(el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrf ? csrf.value : "" }));
    Object.keys(values).forEach(function (k) { f.appendChild(el("input", { type: "hidden", name: k, value: values[k] })); });
    f.appendChild(el("button", { type: "submit", "class": "fr-btn fr-btn--sm " + cls }, label));
    return f;
  }
  function render(data, q) {
    content.textContent = "";
    if (!data.articles.length && !data.tickets.length) { box.hidden = true; return; }
    if (data.articles.length) {
      content.appendChild(el("h3", { "class": "fr-h6" }, box.dataset.labelArticles));
      var ul = el("ul", { id: "deflection-articles" });
      data.articles.forEach(function (a) {
        var li = el("li");
        var link = el("a", { href: a.url, target: "_blank", rel: "noopener" });
        link.innerHTML = a.title_html; // escaped by the server, matched words in <mark>
        li.appendChild(link);
        if (a.summary) { li.appendChild(el("span", { "class": "fr-hint-text" }, a.summary)); }
        li.appendChild(postForm(box.dataset.helpedUrl, { article: a.id, school: field("school"), q: q },
                                box.dataset.labelHelped, "fr-btn--secondary"));
        ul.appendChild(li);
      });
      content.appendChild(ul);
    }
    if (data.tickets.length) {
      content.appendChild(el("h3", { "class": "fr-h6" }, box.dataset.labelTickets));
      var tl = el("ul", { id: "deflection-tickets" });
      data.tickets.forEach(function (t) {
        var li = el("li");
        var name = el(t.url ? "a" : "span", t.url ? { href: t.url } : {});
        name.innerHTML = t.reference + " — " + t.title_html;
        li.appendChild(name);
        li.appendChild(el("span", { "class": "fr-hint-text" },
          t.state + " · " + (t.same_school ? box.dataset.labelSameSchool : box.dataset.labelOtherSchool)));
        if (t.own) { li.appendChild(el("span", { "class": "fr-badge fr-badge--sm" }, box.dataset.labelOwn)); }
        else if (t.concerned) { li.appendChild(el("span", { "class": "fr-badge fr-badge--sm fr-badge--info" }, box.dataset.labelJoined)); }
        else { li.appendChild(postForm(t.join_url, { school: field("school") }, box.dataset.labelJoin, "fr-btn--secondary")); }
        tl.appendChild(li);
      });
      content.appendChild(tl);
    }
    box.hidden = false;
  }
  function lookup() {
    var q = title.value.trim();
    var key = q + "|" + field("school") + "|" + field("service");
    if (key === last) { return; }
    last = key;
    if (q.length < 3) { box.hidden = true; return; }
    var mine = ++seq;
    var url = box.dataset.url + "?" + new URLSearchParams({ q: q, school: field("school"), service: field("service") });
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && mine === seq) { render(data, q); } })
      .catch(function () { /* suggestions are a help, never a blocker */ });
  }
  function later() { clearTimeout(timer); timer = setTimeout(lookup, 300); }
  title.addEventListener("input", later);
  ["school", "service"].forEach(function (n) {
    var f = form.querySelector("[name=" + n + "]");
    if (f) { f.addEventListener("change", later); }
  });
  if (title.value) { later(); }
})();
