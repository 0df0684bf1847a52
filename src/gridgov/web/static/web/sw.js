/* The grid worker's service worker (scope /m/): keeps the pages' shell so that the report form
   opens without network; the reports themselves wait in localStorage and their photos in IndexedDB
   (see m.js, photo-store.js). Only GET
   requests are answered here: POSTs always go to the network. The server fills in SHELL. */
"use strict";
const SHELL = "__SHELL__";
const CACHE = "gridgov-m-v1";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => Promise.all(SHELL.map((u) => cache.add(u).catch(() => null)))).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("gridgov-m-") && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

// Network first; the cached copy when there is no network.
self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const shell = SHELL.includes(url.pathname);
  if (!shell && request.mode !== "navigate") return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && shell) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      })
      .catch(() => caches.match(shell ? url.pathname : request, { ignoreSearch: true })
        .then((hit) => hit || Response.error())));
});
