// Forms (or their submit buttons) marked data-confirm="…" ask first, in a <dialog> that
// says what will happen; only 确认 sends them. A file, not inline script: the CSP forbids
// inline script. Runs before htmx sees the submit (capture phase), so hx-post forms too.
(function () {
  "use strict";
  var confirmed = new WeakSet();
  var dialog = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.id = "confirm-dialog";
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-title");
    var form = document.createElement("form");
    form.method = "dialog";
    var title = document.createElement("h2");
    title.id = "confirm-title";
    title.textContent = "请确认";
    var message = document.createElement("p");
    message.className = "confirm-message";
    message.id = "confirm-message";
    var buttons = document.createElement("div");
    buttons.className = "confirm-buttons";
    var cancel = document.createElement("button");
    cancel.value = "cancel";
    cancel.className = "btn";
    cancel.id = "confirm-cancel";
    cancel.textContent = "取消";
    var ok = document.createElement("button");
    ok.value = "ok";
    ok.className = "btn btn-danger";
    ok.id = "confirm-ok";
    ok.textContent = "确认";
    buttons.append(cancel, ok);
    form.append(title, message, buttons);
    dialog.append(form);
    document.body.append(dialog);
  }

  function ask(text, proceed) {
    if (dialog === null) build();
    dialog.querySelector(".confirm-message").textContent = text;
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue === "ok") proceed();
    };
    dialog.showModal();
    dialog.querySelector("#confirm-cancel").focus();
  }

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || form.method === "dialog") return;
      var submitter = event.submitter || null;
      var text = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
      if (!text) return;
      if (confirmed.has(form)) {
        confirmed.delete(form);
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      ask(text, function () {
        confirmed.add(form);
        if (submitter) form.requestSubmit(submitter);
        else form.requestSubmit();
      });
    },
    true
  );
})();
