// Drag and drop ordering of a playlist's items (issue #9). Pointer events, so the same code
// serves a mouse on a desktop and a finger on a phone (HTML5 drag and drop does not fire for
// touch). Dropping posts the whole new order with the page's ETag as If-Match (§16): a change
// someone else made meanwhile is the usual 412 "reload" page. The ↑/↓ buttons remain for
// screen readers; a focused handle also takes the arrow keys.
(function () {
  "use strict";
  var form = document.getElementById("reorder-form");
  var list = document.querySelector("ol.items");
  if (!form || !list) return;

  function rows() {
    return Array.prototype.slice.call(list.children);
  }

  function orderOf() {
    return rows().map(function (row) { return row.dataset.itemId; }).join(",");
  }

  function rowAt(x, y) {
    var hit = document.elementFromPoint(x, y);
    var row = hit && hit.closest("ol.items > li");
    return row && row.parentElement === list ? row : null;
  }

  function follow(dragged, event) {
    var over = rowAt(event.clientX, event.clientY);
    if (!over || over === dragged) return;
    var box = over.getBoundingClientRect();
    var below = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, below ? over.nextSibling : over);
  }

  function start(handle, event) {
    var dragged = handle.closest("li");
    var before = orderOf();
    event.preventDefault();
    dragged.classList.add("dragging");

    // Listened for on the document, not with pointer capture: moving the row in the DOM
    // releases any capture, and the events then bubble up from whatever is under the pointer.
    function move(e) { follow(dragged, e); }
    function drop() {
      document.removeEventListener("pointermove", move);
      document.removeEventListener("pointerup", drop);
      document.removeEventListener("pointercancel", drop);
      dragged.classList.remove("dragging");
      var after = orderOf();
      if (after === before) return;
      form.elements.order.value = after;
      form.requestSubmit();
    }
    document.addEventListener("pointermove", move);
    document.addEventListener("pointerup", drop);
    document.addEventListener("pointercancel", drop);
  }

  // From the keyboard (issue 19 item 11): ↑/↓ on a focused handle moves its row one place and
  // posts the order, as a drop does; app.js puts the focus back on the handle after the reload.
  function nudge(handle, event) {
    var row = handle.closest("li");
    var up = event.key === "ArrowUp";
    if (!up && event.key !== "ArrowDown") return;
    event.preventDefault();
    var neighbour = up ? row.previousElementSibling : row.nextElementSibling;
    if (!neighbour) return;
    list.insertBefore(row, up ? neighbour : neighbour.nextSibling);
    handle.focus();
    form.elements.order.value = orderOf();
    form.requestSubmit();
  }

  list.querySelectorAll(".drag-handle").forEach(function (handle) {
    handle.hidden = false;
    handle.addEventListener("pointerdown", function (event) { start(handle, event); });
    handle.addEventListener("keydown", function (event) { nudge(handle, event); });
  });
  var hint = document.querySelector(".drag-hint");
  if (hint) hint.hidden = false;
})();
