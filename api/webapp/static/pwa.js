// Installable manager app (PWA, issue #9): registers the service worker, served at /app/sw.js so
// its scope covers every page under /app/. It keeps only the static shell and an offline page.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(function () {
      // No worker (plain http, private mode...): the app works the same, just not offline.
    });
  });
})();
