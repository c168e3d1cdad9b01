// The weekly schedule's calendar (issue 19 item 7): each block is placed on its day from the
// minutes and lanes the page computed (data-start, data-end, data-lane, data-lanes). Set from
// here because the page's Content-Security-Policy allows no inline styles.
(function () {
  "use strict";
  var calendar = document.getElementById("calendar");
  if (!calendar) return;
  var DAY = 1440;
  function percent(value) { return (value * 100) + "%"; }
  calendar.querySelectorAll(".cal-slot").forEach(function (block) {
    var start = Number(block.dataset.start);
    var end = Number(block.dataset.end);
    var lanes = Number(block.dataset.lanes);
    block.style.top = percent(start / DAY);
    block.style.height = percent((end - start) / DAY);
    block.style.left = percent(Number(block.dataset.lane) / lanes);
    block.style.width = percent(1 / lanes);
  });
  calendar.classList.add("laid-out");
})();
