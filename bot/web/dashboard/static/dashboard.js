// A little progressive JavaScript: everything works without it (plain links and forms).
// 1. Inside Teams, a refused page signs in by itself with the tab's SSO token, then reloads.
// 2. Decisions that cannot be undone ask once more.
(function () {
  "use strict";

  function signInWithTeams() {
    var status = document.getElementById("sso-status");
    if (!status || !window.microsoftTeams || !window.microsoftTeams.app) { return; }
    var teams = window.microsoftTeams;
    teams.app.initialize().then(function () {
      status.hidden = false;
      return teams.authentication.getAuthToken();
    }).then(function (token) {
      return fetch(status.getAttribute("data-sso"), {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token: token })
      });
    }).then(function (response) {
      if (response.ok) { window.location.assign("/overzicht/vragen"); } else { status.hidden = true; }
    }).catch(function () { status.hidden = true; });  // not in Teams, or SSO refused: the link still works
  }

  function confirmDecisions() {
    var forms = document.querySelectorAll("form.action");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("submit", function (event) {
        var button = form.querySelector("button[type=submit]");
        if (button && form.querySelector("input[name=actie][value=decline]") &&
            !window.confirm(button.textContent.trim() + "?")) {
          event.preventDefault();
          return;
        }
        if (button) { button.disabled = true; }  // one click, one decision
      });
    });
  }

  // 3. A table marked data-bars gets a small bar chart above it (the table keeps the figures).
  function drawBars() {
    var table = document.querySelector("table[data-bars]");
    if (!table) { return; }
    var bars = document.createElement("div");
    bars.className = "bars";
    bars.setAttribute("aria-hidden", "true");
    Array.prototype.forEach.call(table.querySelectorAll("td[data-bar]"), function (cell) {
      var bar = document.createElement("span");
      bar.style.height = Math.max(1, parseInt(cell.getAttribute("data-bar"), 10) || 0) + "%";
      bars.appendChild(bar);
    });
    table.parentNode.parentNode.insertBefore(bars, table.parentNode);
  }

  document.addEventListener("DOMContentLoaded", function () {
    signInWithTeams();
    confirmDecisions();
    drawBars();
  });
}());
