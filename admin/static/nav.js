// The top bar's menus are <details>: they open and close without script. This file (the
// CSP forbids inline script) only tidies up: one menu open at a time, a click elsewhere or
// Escape closes it (Escape gives the focus back to the menu's title).
(function () {
  "use strict";
  function menus() {
    return document.querySelectorAll("#main-nav details");
  }
  function closeAll(except) {
    menus().forEach(function (d) {
      if (d !== except) d.open = false;
    });
  }
  document.addEventListener(
    "toggle",
    function (event) {
      var d = event.target;
      if (d.matches && d.matches("#main-nav details") && d.open) closeAll(d);
    },
    true
  );
  // A click closes every menu but the one it landed in, at once: the "toggle" event above
  // comes later (a queued task), so two quick clicks on two titles would leave both open.
  document.addEventListener("click", function (event) {
    closeAll(event.target.closest ? event.target.closest("#main-nav details") : null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("#main-nav details[open]");
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });
})();
