// Service worker of the offline complaint form (served as /sw.js, scope /offline).
// It keeps the form and its files so that the page opens with no network: those four are
// served from the cache first and refreshed in the background for the next visit; every
// other request (the sync, the other screens) goes to the network untouched.
"use strict";

const CACHE = "slrt-offline-v1";
const PAGE = "/offline";
const SHELL = [PAGE, "/static/offline.js", "/static/console.css", "/static/console.js"];

// Only a page the server really answered is kept: not a redirect to the sign-in page, not
// an error page.
function usable(response) {
  return response && response.ok && !response.redirected && response.type === "basic";
}

// `source`: a URL (fetched past the HTTP cache), or the page's own navigation request, so a
// redirect (to the sign-in page) is followed by the browser as usual.
async function refresh(cache, key, source) {
  const response = typeof source === "string"
    ? await fetch(source, { credentials: "same-origin", cache: "no-cache" })
    : await fetch(source);
  if (usable(response)) { await cache.put(key, response.clone()); }
  return response;
}

self.addEventListener("install", function (event) {
  event.waitUntil((async function () {
    const cache = await caches.open(CACHE);
    await Promise.all(SHELL.map(function (url) { return refresh(cache, url, url); }));
    if (!(await cache.match(PAGE))) { throw new Error("the offline page could not be kept"); }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    for (const name of await caches.keys()) {
      if (name.startsWith("slrt-offline-") && name !== CACHE) { await caches.delete(name); }
    }
    await self.clients.claim(); // the page that registered us works offline right away
  })());
});

function shellKey(url) {
  if (url.origin !== self.location.origin) { return null; }
  if (url.pathname === PAGE) { return PAGE; }
  return SHELL.includes(url.pathname) ? url.pathname : null;
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  const key = shellKey(url);
  if (key === null) { return; } // network, as without a service worker
  event.respondWith((async function () {
    const cache = await caches.open(CACHE);
    const cached = await cache.match(key);
    const fresh = refresh(cache, key, key === PAGE ? request : url.href);
    // A page asked with a query (e.g. ?lang=en, which switches the language) goes to the
    // network first, so the choice takes effect; the cache answers when there is none.
    const networkFirst = key === PAGE && url.search !== "";
    if (cached && !networkFirst) {
      event.waitUntil(fresh.catch(function () {}));
      return cached;
    }
    try {
      return await fresh;
    } catch (err) {
      if (cached) { return cached; }
      throw err;
    }
  })());
});
