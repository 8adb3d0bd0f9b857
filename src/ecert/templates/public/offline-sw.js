// The offline verifier's service worker (src/ecert/public/offline.py). It keeps the page, its
// script and style, the root certificate, the trust list and the status lists. Every request is
// tried on the network first, so an online visit always refreshes what is kept; without a network
// the kept copy answers, marked with the time it was fetched (X-Ecert-Fetched-At, seconds).
const CACHE = "ecert-offline-{{ version }}";
const KEEP = {{ keep|safe }};
const KEPT = new Set(KEEP.map((path) => new URL(path, self.location).pathname));

async function keep(cache, request, response) {
  const headers = new Headers(response.headers);
  headers.set("X-Ecert-Fetched-At", String(Date.now() / 1000));
  const body = await response.clone().arrayBuffer();
  await cache.put(request, new Response(body, { status: response.status, statusText: response.statusText, headers }));
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      for (const path of KEEP) {
        const response = await fetch(path, { cache: "no-store" });
        if (response.ok) await keep(cache, path, response);
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !KEPT.has(url.pathname)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(event.request, { cache: "no-store" });
        if (response.ok) {
          await keep(cache, url.pathname, response);
          return await cache.match(url.pathname);
        }
        return (await cache.match(url.pathname)) || response;
      } catch (error) {
        const kept = await cache.match(url.pathname);
        if (kept) return kept;
        throw error;
      }
    })(),
  );
});
