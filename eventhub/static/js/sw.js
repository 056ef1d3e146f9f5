// The door scanner's service worker (served at /door/sw.js, scope /door/).
// The page's shell and the QR decoder are cached first and served from the cache; the scanner
// page itself is fetched from the network and falls back to its cached copy offline;
// /api/* is never cached. The server fills in the version and the shell's addresses: a
// changed file makes a new version, whose install replaces the old cache.

const VERSION = "__SHELL_VERSION__";
const SHELL = ["__SHELL_URLS__"];
const CACHE = `door-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((key) => key.startsWith("door-") && key !== CACHE).map((key) => caches.delete(key)),
      ))
      .then(() => self.clients.claim()),
  );
});

const shell = new Set(SHELL.map((path) => new URL(path, self.location.origin).pathname));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;

  if (shell.has(url.pathname)) {
    event.respondWith(
      caches.match(request, { ignoreSearch: true }).then((hit) => hit || fetch(request)),
    );
    return;
  }
  if (request.mode === "navigate" && /^\/door\/\d+$/.test(url.pathname)) {
    event.respondWith(
      fetch(request)
        .then((response) => {
          // Not a sign-in page we were sent to: that is no copy of the scanner.
          if (response.ok && !response.redirected) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        })
        .catch(() => caches.match(request).then((hit) => hit || Response.error())),
    );
  }
});
