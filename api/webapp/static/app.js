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

// What the user typed survives a failed send (issue 19 item 11): every posted form's visible
// fields are kept in this tab's sessionStorage; a page opened with ?kept=1 (after signing in
// again when the session had ended, or "Reload" after someone else's change) fills its form of
// the same action in again. Never passwords, hidden fields or files. The focused control also
// survives the post/redirect/get reload, so ↑/↓ keeps focus on the moved item.
(function () {
  "use strict";
  var FORM_KEY = "signage-kept-form";
  var FOCUS_KEY = "signage-kept-focus";
  var SKIPPED = ["hidden", "password", "file", "submit", "button"];

  function keptFields(form) {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || SKIPPED.indexOf(field.type) >= 0) return;
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked) fields[field.name] = field.value;
        else if (!(field.name in fields)) fields[field.name] = null;
        return;
      }
      fields[field.name] = field.value;
    });
    return fields;
  }

  function labelOf(element) {
    return element && (element.getAttribute("aria-label") || "");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if ((form.method || "").toLowerCase() !== "post") return;
    if (location.pathname === "/app/login") return; // signing in must not replace what is kept
    var kept = { action: form.getAttribute("action"), fields: keptFields(form) };
    try {
      sessionStorage.setItem(FORM_KEY, JSON.stringify(kept));
      var focused = labelOf(event.submitter || document.activeElement);
      if (focused) {
        sessionStorage.setItem(FOCUS_KEY, JSON.stringify({ path: location.pathname, label: focused }));
      }
    } catch (error) { /* storage full or refused: nothing is kept */ }
  }, true);

  function refill(kept) {
    var form = Array.prototype.find.call(document.forms, function (candidate) {
      return candidate.getAttribute("action") === kept.action;
    });
    if (!form) return;
    var folded = form.closest("details");
    if (folded) folded.open = true;
    Object.keys(kept.fields).forEach(function (name) {
      var value = kept.fields[name];
      var field = form.elements[name];
      if (!field || SKIPPED.indexOf(field.type) >= 0) return;
      if (field.type === "checkbox") field.checked = value !== null;
      else if (value !== null) field.value = value;
    });
    var note = document.createElement("p");
    note.className = "notice";
    note.setAttribute("role", "status");
    note.textContent = "What you sent before is filled in again below: check it, then send it.";
    form.parentNode.insertBefore(note, form);
    var first = form.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  }

  // The same control again, or its twin when it is now disabled (an item moved to the top
  // has no "up" any more: focus goes to its "down").
  function refocus(kept) {
    if (kept.path !== location.pathname) return;
    var twin = kept.label.replace(/ (up|down)$/, function (_, way) { return way === "up" ? " down" : " up"; });
    [kept.label, twin].some(function (label) {
      var found = Array.prototype.find.call(document.querySelectorAll("[aria-label]"), function (element) {
        return element.getAttribute("aria-label") === label && !element.disabled && !element.hidden;
      });
      if (found) found.focus();
      return Boolean(found);
    });
  }

  function take(key) {
    try {
      var value = sessionStorage.getItem(key);
      sessionStorage.removeItem(key);
      return value ? JSON.parse(value) : null;
    } catch (error) { return null; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (location.pathname === "/app/login") return; // kept until after signing in
    var params = new URLSearchParams(location.search);
    var focus = take(FOCUS_KEY);
    if (params.get("kept") === "1") {
      var kept = take(FORM_KEY); // otherwise left for the error page's "Reload", then replaced
      params.delete("kept");
      var rest = params.toString();
      history.replaceState(null, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
      if (kept) return refill(kept);
    }
    if (focus) refocus(focus);
  });
})();
