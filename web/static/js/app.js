// Progressive enhancement only: every page works without this file.
// After htmx swaps content in, move focus deliberately and announce results once.
(function () {
  "use strict";
  function focusIn(root) {
    var target = root.querySelector("[data-focus]") || root.querySelector("[role=alert]");
    if (target) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
    }
  }
  // A full page that answers a form: the error summary, else the confirmation, takes focus, so a
  // screen reader says it and the member starts there. Without this file the #fragment does the moving.
  function focusAnswer() {
    var answer = document.getElementById("error-summary") || document.getElementById("confirmation");
    if (answer) answer.focus();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusAnswer); else focusAnswer();
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.detail.target;
    if (root && root.id !== "tally") focusIn(document.getElementById(root.id) || root);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.boosted) {
      var main = document.getElementById("main");
      var focusTarget = main && main.querySelector("[data-focus]");
      if (focusTarget) focusTarget.focus(); else if (main) main.focus();
    }
  });
  document.addEventListener("copro:status", function (event) {
    var status = document.getElementById("status");
    if (status && event.detail && event.detail.value) {
      status.textContent = "";
      var p = document.createElement("p");
      p.className = "flash status";
      p.textContent = event.detail.value;
      status.appendChild(p);
    }
  });
})();
