#!/usr/bin/env node
// The workers benchmark: each standard workload (workloads.json) trained by the page's own engine
// worker on 1 worker and then on every core (a run's team, www/engine/team.js), in headless
// Chromium; prints examples/s (median, min–max over the measured windows), GFLOP/s and the ratio.
// (That the numbers are the same bits on any number of workers is tests/e2e/workers.test.mjs's.)
//
//   ./dev bench --workers [--seconds S] [--workloads a,b] [--chromium PATH]
//
// Each case trains S seconds (default 12) after 2 s of warm-up. Its speed is what the page shows:
// the time of the training steps only (evaluations of the test split are left out), in windows of
// 0.5 s; the windows of the measured seconds are collected and their median printed.
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../scripts/serve.mjs';
import { engineSpec } from './nn-playground.js';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? dflt : argv[i + 1];
};
const seconds = Number(opt('seconds', '12'));
const WARMUP_S = 2;
const executablePath = opt('chromium', process.env.CHROMIUM_PATH || execSync('command -v chromium', { shell: '/bin/sh' }).toString().trim());
const table = JSON.parse(readFileSync(new URL('./workloads.json', import.meta.url), 'utf8'));
const ids = opt('workloads', Object.entries(table.workloads).filter(([, w]) => !w.optional).map(([id]) => id).join(',')).split(',');
const cores = availableParallelism();

/** Trains `spec` on `workers` workers in the page's engine worker; returns the speeds its reports gave. */
async function measure(page, spec, workers) {
  return page.evaluate(async ({ spec, workers, warmupMs, ms }) => {
    const { client } = window.nnp.controller;
    await client.pause();
    const built = await client.build(spec, { data: 'current' });
    const team = await client.setWorkers(workers);
    const samples = [];
    const used = new Set();
    let t0 = 0;
    const off = client.onPush((m) => {
      if (m.type !== 'report' || m.runId !== built.runId) return;
      used.add(m.workers);
      const t = performance.now();
      if (t - t0 > warmupMs && m.examplesPerSecond > 0) samples.push(m.examplesPerSecond);
    });
    t0 = performance.now();
    await client.play();
    await new Promise((resolve) => setTimeout(resolve, warmupMs + ms));
    await client.pause();
    off();
    const steps = (await client.stats()).steps;
    return { samples, used: [...used], team, steps, summary: built.summary };
  }, { spec, workers, warmupMs: WARMUP_S * 1000, ms: seconds * 1000 });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

const cpu = (() => {
  try {
    return execSync("lscpu | sed -n 's/^Model name: *//p'", { shell: '/bin/sh' }).toString().trim();
  } catch {
    return 'unknown CPU';
  }
})();
console.log(`workers benchmark · ${new Date().toISOString().slice(0, 10)} · ${cpu}, ${cores} cores · load ${loadavg()[0].toFixed(1)} · ${seconds} s per case`);

const { server, url } = await startServer({ port: 0 });
const dir = mkdtempSync(join(tmpdir(), 'nnp-workers-bench-'));
const context = await chromium.launchPersistentContext(dir, {
  executablePath, headless: true,
  args: ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
});
const rows = [];
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${url}#dataset=mnist`);
  await page.waitForFunction(() => window.nnp?.run.get().summary, null, { timeout: 60_000 });
  for (const id of ids) {
    const w = table.workloads[id];
    // Long enough never to end while measured; the same steps on any number of workers.
    const spec = { ...engineSpec(w), epochs: 1000 };
    const row = { id };
    for (const k of [1, cores]) {
      const r = await measure(page, spec, k);
      const flops = r.summary.trainingFlops;
      const ex = median(r.samples);
      row[k] = { ex, min: Math.min(...r.samples), max: Math.max(...r.samples), gflops: (ex * flops) / 1e9, used: r.used.join('/'), reason: r.team.reason };
      console.log(`${id} on ${k} worker${k === 1 ? '' : 's'} (reports name ${row[k].used}): ${Math.round(ex)} ex/s (${Math.round(row[k].min)}–${Math.round(row[k].max)}), ${row[k].gflops.toFixed(1)} GFLOP/s, ${r.steps} steps${r.team.reason ? ` · ${r.team.reason}` : ''}`);
    }
    rows.push(row);
  }
} finally {
  await context.close();
  rmSync(dir, { recursive: true, force: true });
  server.close();
}
console.log(`\n| workload | 1 worker, ex/s (min–max) | ${cores} workers, ex/s (min–max) | ratio |`);
console.log('|---|---:|---:|---:|');
for (const r of rows) {
  const cell = (c) => `${Math.round(c.ex).toLocaleString('en')} (${Math.round(c.min).toLocaleString('en')}–${Math.round(c.max).toLocaleString('en')}), ${c.gflops.toFixed(1)} GFLOP/s`;
  console.log(`| ${r.id} | ${cell(r[1])} | ${cell(r[cores])} | ${(r[cores].ex / r[1].ex).toFixed(2)}× |`);
}
