// Service worker of the manager app (issue #9, PWA). It stores only the static shell and a small
// "You are offline" page. Pages, htmx fragments and /v1 answers hold a tenant's private data
// (§25.8) and are sent no-store, so they always go to the network and are never stored here.
"use strict";

var CACHE = "signage-shell-v2"; // bump when SHELL changes: activate drops older caches
var OFFLINE_PAGE = "/app/static/offline.html";
var SHELL = [
  "/app/static/app.css",
  "/app/static/htmx.min.js",
  "/app/static/pwa.js",
  "/app/static/app.js",
  "/app/static/icon-192.png",
  "/app/static/icon-512.png",
  "/app/static/icon-maskable-512.png",
  OFFLINE_PAGE,
];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) { return cache.addAll(SHELL); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) { return name !== CACHE; })
          .map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

// Network first, so a deploy is seen at once; the stored copy only when the network fails.
function shellFile(request) {
  return fetch(request)
    .then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    })
    .catch(function () { return caches.match(request); });
}

function page(request) {
  // The page itself is never stored; offline, the small offline page stands in for it.
  return fetch(request).catch(function () { return caches.match(OFFLINE_PAGE); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (SHELL.indexOf(url.pathname) !== -1 && !url.search) {
    event.respondWith(shellFile(request));
  }
  // Anything else (fragments, /v1, media, uploads) is left to the browser: not stored.
});
