// Ticket page, agents: a "Réponse type" select in the reply form ("Répondre ou noter") fills the
// message with the canned answer's text, completed for this ticket (the options come from the
// canned answers panel, #macro-select). Progressive enhancement: without this script the panel's
// own form applies a canned answer (its reply and its action) on the server.
(function () {
  "use strict";
  var source = document.getElementById("macro-select");
  var reply = document.getElementById("action-comment");
  var body = reply ? reply.querySelector("textarea[name='comment-body']") : null;
  if (!source || !body) { return; }
  var group = document.createElement("div");
  group.className = "fr-select-group";
  var label = document.createElement("label");
  label.className = "fr-label";
  label.setAttribute("for", "reply-macro");
  label.textContent = source.labels && source.labels.length ? source.labels[0].firstChild.textContent.trim() : "Réponse type";
  // The hint describes the select without being part of its name (the name stays "Réponse type").
  var hint = document.createElement("p");
  hint.className = "fr-hint-text";
  hint.id = "reply-macro-hint";
  hint.textContent = "Remplit le texte ci-dessous ; l'action éventuelle de la réponse type s'applique avec le bouton du panneau « Réponses types ».";
  var select = document.createElement("select");
  select.className = "fr-select";
  select.id = "reply-macro";
  select.setAttribute("aria-describedby", "reply-macro-hint");
  Array.prototype.forEach.call(source.options, function (option) {
    var copy = option.cloneNode(true);
    copy.selected = false;
    select.appendChild(copy);
  });
  select.addEventListener("change", function () {
    var chosen = select.options[select.selectedIndex];
    var text = chosen ? chosen.getAttribute("data-text") : null;
    if (text === null) { return; }
    body.value = text;
    body.dispatchEvent(new Event("input", { bubbles: true }));
    body.focus();
  });
  group.appendChild(label);
  group.appendChild(hint);
  group.appendChild(select);
  var bodyGroup = body.closest(".fr-input-group") || body;
  bodyGroup.parentNode.insertBefore(group, bodyGroup);
})();
