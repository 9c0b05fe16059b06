// The benchmark page: starts the case's module worker at once (so "page load → first training step" covers
// loading the engine and the data), relays its log to the console, and leaves the result in
// window.benchResult for bench/run.mjs. performance.now() here counts from the navigation start.
const logEl = document.getElementById('log');
const log = (text) => {
  console.log(text);
  logEl.textContent += `\n${text}`;
};
const caseJson = new URLSearchParams(location.search).get('case');
// A case runs in bench/worker.js; the probe of the engine's kernels and layers in bench/probe.js.
const workerUrl = new URL(JSON.parse(caseJson).probe ? './probe.js' : './worker.js', import.meta.url);
workerUrl.searchParams.set('case', caseJson);
const page = { workerCreatedMs: performance.now() };
const worker = new Worker(workerUrl, { type: 'module' });

const finish = (result) => {
  window.benchResult = { ...result, page };
  window.benchDone = true;
  worker.terminate();
};
worker.onmessage = ({ data }) => {
  if (data.type === 'log') log(data.text);
  else if (data.type === 'first') {
    page.loadToFirstStepMs = performance.now();
    log(`first training step done ${page.loadToFirstStepMs.toFixed(0)} ms after the navigation started`);
  } else if (data.type === 'done') {
    // Where the worker's clock starts on the page's clock, to place the worker's timings.
    page.workerStartMs = data.result.workerTimeOrigin - performance.timeOrigin;
    finish(data.result);
  }
};
worker.onerror = (e) => {
  e.preventDefault();
  finish({ status: 'error', error: `worker failed to start or crashed: ${e.message || 'no message (a module failed to load?)'}` });
};
