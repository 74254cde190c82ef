// The service worker: the app shell from the cache (fast on one bar), the last data when offline.
const SHELL_CACHE = "cvihub-shell-v1";
const DATA_CACHE = "cvihub-data";
const SHELL = [
  "/", "/index.html", "/app.css", "/manifest.webmanifest", "/icon.svg",
  "/js/app.js", "/js/api.js", "/js/queue.js", "/js/i18n.js", "/js/dom.js",
  "/js/alerts.js", "/js/referrals.js", "/js/board.js", "/js/dashboard.js", "/js/charts.js",
  "/js/admin.js", "/js/hubadmin.js",
];
// Lists only: a referral's detail (names, phone) is never kept on the device.
const DATA = /^\/api\/(me|alerts|referrals|board|directory|dashboard)$/;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== SHELL_CACHE && k !== DATA_CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

async function networkFirst(request) {
  const cache = await caches.open(DATA_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      const headers = new Headers(response.headers);
      headers.set("X-Saved-At", new Date().toISOString());
      cache.put(request, new Response(await response.clone().blob(), { status: response.status, headers }));
    } else if (response.status === 401) {
      await caches.delete(DATA_CACHE);
    }
    return response;
  } catch (error) {
    const saved = await cache.match(request);
    if (saved) return saved;
    throw error;
  }
}

async function shellFirst(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  return response;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/api/")) {
    if (DATA.test(url.pathname)) event.respondWith(networkFirst(event.request));
    return;
  }
  if (event.request.mode === "navigate") {
    event.respondWith(caches.match("/index.html").then((page) => page || fetch(event.request)));
    return;
  }
  event.respondWith(shellFirst(event.request));
});
