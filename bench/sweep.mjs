#!/usr/bin/env node
// The sweep benchmark: the page trains the same four configurations of the default network for one
// epoch each, first one at a time (the page told it has one core) and then as a sweep on every core,
// in headless Chromium, and prints the two wall-clock times and their ratio.
//
//   ./dev bench --sweep [--repeats N] [--chromium PATH]
//   ./dev bench --sweep --lessons      how long each comparison lesson takes to train all its runs
//
// A sweep's runs are the same runs however many workers train them (the same seed, data order and
// curve points), so the ratio is the speed-up a person gets from the sweep.
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../scripts/serve.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? dflt : argv[i + 1];
};
const repeats = Number(opt('repeats', '1'));
const executablePath = opt('chromium', process.env.CHROMIUM_PATH || execSync('command -v chromium', { shell: '/bin/sh' }).toString().trim());

/** Four learning rates around Adam's usual one: four different runs of the same size. */
const LINK = '#sweep=lr:0.0005,0.001,0.002,0.004&budget=epochs:1';

/** Runs `fn(page)` in a fresh headless Chromium profile, closed and removed afterwards. */
async function withPage(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'nnp-sweep-bench-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath, headless: true,
    args: ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  try {
    return await fn(context.pages()[0] ?? (await context.newPage()));
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Seconds from Start to the last run's end, with the page believing it has `cores` cores. */
async function timeSweep(url, cores) {
  return withPage(async (page) => {
    await page.addInitScript((n) => {
      Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => n });
    }, cores);
    // The sweep from the link starts as soon as the data is loaded; its start and end are read from its
    // store, and the page's main-thread tasks over 50 ms while it runs are collected.
    await page.addInitScript(() => {
      window.longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (window.sweepStart !== undefined && window.sweepEnd === undefined) window.longTasks.push(Math.round(e.duration));
      }).observe({ type: 'longtask' });
      const watch = () => {
        const sweeps = window.nnp?.sweeps;
        if (!sweeps) {
          setTimeout(watch, 5);
          return;
        }
        sweeps.store.subscribe((s) => {
          if (s.state === 'running' && window.sweepStart === undefined) window.sweepStart = performance.now();
          if (s.state === 'done' && window.sweepEnd === undefined) window.sweepEnd = performance.now();
        }, ['state']);
      };
      watch();
    });
    await page.goto(url + LINK);
    await page.waitForFunction(() => window.sweepEnd !== undefined, null, { timeout: 600_000 });
    const result = await page.evaluate(() => ({
      seconds: (window.sweepEnd - window.sweepStart) / 1000,
      workers: window.nnp.sweeps.store.get().workers,
      accuracies: window.nnp.sweeps.sweep.jobs.map((j) => j.accuracy),
      longTasks: window.longTasks,
    }));
    return result;
  });
}

/** Seconds from choosing each comparison lesson to the end of its last run, on every core. */
async function timeLessons(url) {
  return withPage(async (page) => {
    await page.goto(url);
    await page.waitForFunction(() => window.nnp?.run.get().summary);
    const lessons = await page.$$eval('#preset option', (options) => options.filter((o) => o.value.startsWith('compare-')).map((o) => [o.value, o.textContent]));
    const rows = [];
    for (const [id, name] of lessons) {
      const t0 = Date.now();
      await page.selectOption('#preset', id);
      await page.waitForFunction(() => window.nnp.sweeps.store.get().state === 'running');
      await page.waitForFunction(() => window.nnp.sweeps.store.get().state === 'done', null, { timeout: 600_000 });
      const jobs = await page.evaluate(() => window.nnp.sweeps.sweep.jobs.map((j) => `${j.name} ${j.status === 'done' ? `${(100 * j.accuracy).toFixed(1)}%` : j.status}`));
      rows.push({ name, seconds: (Date.now() - t0) / 1000, jobs });
      console.log(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s · ${jobs.join(' · ')}`);
    }
    return rows;
  });
}

const { server, url } = await startServer({ port: 0 });
const cpu = (() => {
  try {
    return execSync("lscpu | sed -n 's/^Model name: *//p'", { shell: '/bin/sh' }).toString().trim();
  } catch {
    return 'unknown CPU';
  }
})();
const cores = availableParallelism();
console.log(`sweep benchmark · ${new Date().toISOString().slice(0, 10)} · ${cpu}, ${cores} cores · load ${loadavg()[0].toFixed(1)}`);
if (argv.includes('--lessons')) {
  await timeLessons(url);
  server.close();
  process.exit(0);
}
const rows = [];
for (let r = 0; r < repeats; r++) {
  const one = await timeSweep(url, 1);
  const all = await timeSweep(url, cores);
  const same = one.accuracies.every((a, i) => a === all.accuracies[i]);
  rows.push({ one, all, same });
  const tasks = (r) => (r.longTasks.length ? `${r.longTasks.length}, longest ${Math.max(...r.longTasks)} ms` : 'none');
  console.log(`one at a time (1 worker): ${one.seconds.toFixed(1)} s · sweep (${all.workers} workers): ${all.seconds.toFixed(1)} s · ${(one.seconds / all.seconds).toFixed(2)}× sooner · same accuracies: ${same ? 'yes' : 'NO'}`);
  console.log(`  main-thread tasks over 50 ms: one at a time ${tasks(one)}; sweep ${tasks(all)}`);
}
server.close();
if (rows.some((r) => !r.same)) process.exitCode = 1;
