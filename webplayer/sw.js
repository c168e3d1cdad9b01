// The web player's Service Worker: keeps the app shell so a screen that reloads or reboots with
// the network down still starts, and plays its cached media (the page reads those from Cache
// Storage itself). The shell is network first with the cached copy as the fallback, so a deploy
// reaches screens at their next load; API calls and media are never touched here.
const SHELL_CACHE = "signage-shell-v1";
const SHELL = [
  "./", "index.html", "player.css", "js/main.js", "js/player.js", "js/api.js", "js/policy.js",
  "js/idb.js", "js/media-cache.js", "js/screen.js", "vendor/qrcode.mjs",
];
const NETWORK_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

function isShell(url) {
  const scope = new URL(self.registration.scope);
  return url.origin === scope.origin && url.pathname.startsWith(scope.pathname) && !url.pathname.includes("/__media/");
}

async function shellFirstFromNetwork(request) {
  const cache = await caches.open(SHELL_CACHE);
  const key = request.mode === "navigate" ? new URL("index.html", self.registration.scope).href : request;
  try {
    const response = await fetch(request, { signal: AbortSignal.timeout(NETWORK_TIMEOUT_MS) });
    if (response.ok) await cache.put(key, response.clone());
    return response.ok ? response : (await cache.match(key, { ignoreSearch: true })) ?? response;
  } catch {
    const cached = await cache.match(key, { ignoreSearch: true });
    if (cached) return cached;
    throw new Error("offline and not cached");
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method === "GET" && isShell(url)) event.respondWith(shellFirstFromNetwork(event.request));
});
