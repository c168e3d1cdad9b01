// Every plain form (issue #9): a form with data-confirm asks first (changes that reach the
// screens at once: stopping a takeover, a rollback); once sent, its button shows it is working
// and cannot be pressed twice (a second publish or takeover would be a second change). Forms
// that handle their own submit (upload.js) call preventDefault first and are left alone.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    var question = event.target.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var button = event.submitter || event.target.querySelector("button[type=submit]");
    if (!button) return;
    // After the submit has been taken: a disabled button would not be sent with the form.
    setTimeout(function () {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.classList.add("busy");
    }, 0);
  });
  // Back to a page from the browser's history: its buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("button.busy").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.classList.remove("busy");
    });
  });
})();
