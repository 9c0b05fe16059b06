//! The service worker of a static build (`./dev dist`): after a first visit the page, the engine and
//! both datasets load with the network off.
//!
//! The build writes its version and its file list into BUILD below. At install, every file of the build
//! goes into one cache named after the scope and the version; at activation, the scope's caches of
//! other versions are deleted. Files of the build are answered from that cache, anything else from the
//! network. A new build has new bytes here, so the browser installs it next to the running one; it
//! waits until no page uses the old one, or until a page's "Reload to update" asks it to take over
//! (offline.js): that page reloads with the new build's files, and any other tab still on the old build
//! is told to reload.
//!
//! Served from www/ as it is (`./dev serve`), BUILD is null: the page does not register it, and if a
//! build once served on the same origin registered it, this version takes over, deletes the caches and
//! unregisters, so development never gets old files.

/* global clients */
const BUILD = null;

const PREFIX = `nn-playground ${self.registration.scope} `;
const CACHE = BUILD && PREFIX + BUILD.version;
/** Path inside the scope (no query) → the build's file it is. */
const FILES = new Set(BUILD?.files ?? []);

self.addEventListener('install', (event) => {
  if (!BUILD) {
    event.waitUntil(self.skipWaiting());
    return;
  }
  // `reload`: past the HTTP cache, so the cache holds exactly this build's files.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(BUILD.files.map((f) => new Request(f, { cache: 'reload' })))));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    if (!BUILD) {
      await self.registration.unregister();
      return;
    }
    // The first visit's page is controlled at once, so it works offline without a reload; after an
    // update, the pages of the old build are taken over and learn it (controllerchange).
    await clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  // A person chose to update (the page's notice); the page reloads once this build controls it.
  if (event.data?.type === 'skip-waiting') event.waitUntil(self.skipWaiting());
});

self.addEventListener('fetch', (event) => {
  if (!BUILD || event.request.method !== 'GET') return;
  const url = new URL(event.request.url);
  const scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  let path = url.pathname.slice(scope.pathname.length);
  if (path === '' || path.endsWith('/')) path += 'index.html';
  if (!FILES.has(path)) return;
  event.respondWith((async () => {
    const cached = await caches.open(CACHE).then((cache) => cache.match(path));
    return cached ?? fetch(event.request);
  })());
});
