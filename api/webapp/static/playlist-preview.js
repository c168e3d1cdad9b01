// The playlist preview (issue 19 item 3): each listed item on the stage for its seconds, in
// order, looping, as a screen plays it (a video plays to its end, muted). No framework.
(function () {
  "use strict";
  var stage = document.getElementById("preview-stage");
  var play = document.getElementById("preview-play");
  var stop = document.getElementById("preview-stop");
  if (!stage || !play || !stop) return;
  var items = Array.prototype.slice.call(document.querySelectorAll("#preview-items > li"))
    .filter(function (li) { return li.dataset.src; });
  var timer = null;
  var index = 0;

  function caption(text) {
    var p = document.createElement("p");
    p.id = "preview-caption";
    p.className = "muted";
    p.textContent = text;
    return p;
  }

  function show() {
    var li = items[index % items.length];
    var name = li.querySelector("strong").textContent;
    var media;
    if (li.dataset.video === "true") {
      media = document.createElement("video");
      media.muted = true;
      media.autoplay = true;
      media.playsInline = true;
      media.addEventListener("ended", next);
    } else {
      media = document.createElement("img");
      media.alt = name;
      timer = window.setTimeout(next, Number(li.dataset.seconds) * 1000);
    }
    media.src = li.dataset.src;
    media.className = "preview-media";
    stage.replaceChildren(media, caption("Item " + (index % items.length + 1) + " of " +
      items.length + ": " + name + " · " + li.dataset.seconds + " s"));
    items.forEach(function (other) { other.removeAttribute("aria-current"); });
    li.setAttribute("aria-current", "true");
  }

  function next() {
    window.clearTimeout(timer);
    index += 1;
    show();
  }

  play.addEventListener("click", function () {
    if (!items.length) return;
    play.disabled = true;
    stop.disabled = false;
    index = 0;
    show();
  });
  stop.addEventListener("click", function () {
    window.clearTimeout(timer);
    stage.replaceChildren(caption("Stopped."));
    play.disabled = false;
    stop.disabled = true;
  });
})();
