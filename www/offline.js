//! Offline use and updates of a static build (`./dev dist`), on the page's side; sw.js is the other side.
//!
//! The page registers sw.js, which keeps the build's files in one cache. A newer build on the host
//! installs beside the running one and waits; the page says so with a "Reload to update" button. Only
//! that button hands over: it tells the waiting build to take over and reloads once it has, so the load
//! after it gets every file from the new build. A plain reload keeps the build the page has (the browser
//! starts the new one when no tab of the playground is left open), and offers the button again.
//! A tab whose build was replaced from another tab is told to reload.

const UPDATE_TEXT = 'A new version of the playground has been downloaded.';

/**
 * @param {import('./controller.js').Controller} controller  its notices say what happens
 * @param {ServiceWorkerContainer} sw
 */
export function startOffline(controller, sw) {
  // Whether a build controlled the page: a first visit's page is taken over without a reload.
  let controlled = !!sw.controller;
  let updating = false;
  let offered = null; // the id of the notice that offers the update

  sw.addEventListener('controllerchange', () => {
    if (updating) {
      window.location.reload();
    } else if (controlled) {
      if (offered) controller.dismiss(offered);
      controller.notify('warning', 'The playground was updated in another tab. Reload this one to use the new version; until then, parts it has not loaded yet may fail to load.', { label: 'Reload', run: () => window.location.reload() });
    }
    controlled = true;
  });

  sw.register('sw.js').then((registration) => {
    const update = () => {
      const { waiting } = registration;
      // Already taken over from another tab (this tab was told so): a reload is all there is to do.
      if (!waiting) {
        window.location.reload();
        return;
      }
      updating = true;
      waiting.postMessage({ type: 'skip-waiting' });
    };
    const offerUpdate = () => {
      if (offered) controller.dismiss(offered);
      offered = controller.notify('info', UPDATE_TEXT, { label: 'Reload to update', run: update });
    };
    // A build waiting from before this load (a plain reload keeps the running one).
    if (registration.waiting && registration.active) offerUpdate();
    const watch = (worker) => worker?.addEventListener('statechange', () => {
      // Installed with another build active, it waits. (The first build activates at once.)
      if (worker.state === 'installed' && registration.active) offerUpdate();
    });
    watch(registration.installing);
    registration.addEventListener('updatefound', () => watch(registration.installing));
    // From here a newer build is noticed (tests wait for this before asking the host for one).
    document.body.dataset.offline = 'watching';
  }, (err) => controller.notify('warning', `The page will not work offline: ${err.message}`));
}
