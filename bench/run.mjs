#!/usr/bin/env node
// nn-playground's benchmark: training examples/second on the standard workloads for our engine and for
// the libraries people would otherwise use (ConvNetJS, TensorFlow.js cpu and wasm), side by side in the
// same headless Chromium, each in a Web Worker, plus a native run of our engine and, where a Python with
// torch is found, PyTorch on the CPU with 1 thread and with every core. Each repeat also times the
// engine's GEMM kernel on a 256×256×256 product and every layer of the convolutional workloads alone
// (a bench-only module, examples/bench_probe.rs, in the same Chromium).
//
//   ./dev bench [options]          (builds the engine into www/pkg first, then runs this file)
//   node bench/run.mjs [options]   (the same, with whatever is in www/pkg)
//
// Options:
//   --quick              smoke run: short windows and a small budget, partial epochs (a couple of minutes)
//   --engines a,b        nn-playground,convnetjs,tfjs-cpu,tfjs-wasm,native,pytorch-1t,pytorch-all
//                        ("pytorch" = both PyTorch ones; default: all)
//   --workloads a,b      workload ids of workloads.json or of networks.json (our own networks), or
//                        "standard" (every non-optional workload) and "networks" (every network);
//                        default: standard
//   --budget S           seconds of training allowed per case before it is measured in reduced mode
//                        (default 150; 10 with --quick)
//   --repeats N          run everything N times, engines interleaved; the table shows medians (default 1)
//   --no-native          skip the native run (same as leaving "native" out of --engines)
//   --python PATH        the Python whose torch runs the PyTorch cases (default: $NNP_BENCH_PYTHON,
//                        else python3); without torch they are skipped with a note
//   --no-probe           skip the GEMM reference and the per-layer profile
//   --out FILE           results file (default bench/results/latest.json; bench/results/quick.tmp.json with --quick)
//   --chromium PATH      Chromium binary (default: $CHROMIUM_PATH, else `chromium` on PATH)
//
// The workloads and the measurement conventions are bench/workloads.json, the one table the engine's
// tests and the native benchmark (examples/bench.rs) read too; bench/networks.json adds networks of our
// own in the same format. The procedure is in bench/procedure.js (windows of whole seconds, a case of
// workloads.json's "timing"), the speed arithmetic in www/engine/throughput.js, and every FLOP count
// comes from the engine's own summary (trainingFlops).
import { execFileSync, execSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Throughput, median } from '../www/engine/throughput.js';
import { engineSpec } from './nn-playground.js';
import { timingFor } from './procedure.js';
import { probeTorch, runTorchCase, splitDigest } from './pytorch.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BROWSER_ENGINES = ['nn-playground', 'convnetjs', 'tfjs-cpu', 'tfjs-wasm'];
const OURS = 'nn-playground';
const NATIVE = 'native';
/** PyTorch's cases and their thread counts (every core: what `nproc` says). */
const TORCH_THREADS = { 'pytorch-1t': 1, 'pytorch-all': availableParallelism() };
const TORCH_ENGINES = Object.keys(TORCH_THREADS);
const ENGINES = [...BROWSER_ENGINES, NATIVE, ...TORCH_ENGINES];

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) die(`--${name} needs a value`);
  return v;
};
function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}
if (flag('help') || flag('h')) {
  const header = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
  console.log(header.slice(0, header.findIndex((l) => !l.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
const known = new Set(['quick', 'engines', 'workloads', 'budget', 'repeats', 'no-native', 'out', 'chromium', 'python', 'no-probe', 'help', 'h']);
for (let i = 0; i < argv.length; i++) {
  if (!argv[i].startsWith('--') || !known.has(argv[i].slice(2))) die(`unknown argument ${argv[i]} (see --help)`);
  if (['engines', 'workloads', 'budget', 'repeats', 'out', 'chromium', 'python'].includes(argv[i].slice(2))) i++;
}
const quick = flag('quick');
const budgetSeconds = Number(opt('budget', quick ? '10' : '150'));
const repeats = Number(opt('repeats', '1'));
if (!(budgetSeconds > 0) || !(Number.isInteger(repeats) && repeats > 0)) die('--budget must be > 0 and --repeats a positive integer');
let engineIds = opt('engines', ENGINES.join(',')).split(',').filter(Boolean).flatMap((e) => (e === 'pytorch' ? TORCH_ENGINES : [e]));
for (const e of engineIds) if (!ENGINES.includes(e)) die(`unknown engine ${e}: one of ${ENGINES.join(', ')}, pytorch`);
if (flag('no-native')) engineIds = engineIds.filter((e) => e !== NATIVE);
const browserEngines = BROWSER_ENGINES.filter((e) => engineIds.includes(e));
// PyTorch is optional: without a Python that imports torch its cases are left out, with a note.
const python = opt('python', process.env.NNP_BENCH_PYTHON || 'python3');
let torch = null;
let torchNote = null;
if (TORCH_ENGINES.some((e) => engineIds.includes(e))) {
  const t = probeTorch(python);
  if (t.version) torch = { python, version: t.version };
  else {
    torchNote = `PyTorch skipped: ${t.reason} (README, "PyTorch in the benchmark", says how to install it; --python PATH picks another Python)`;
    engineIds = engineIds.filter((e) => !TORCH_ENGINES.includes(e));
  }
}
const torchEngines = TORCH_ENGINES.filter((e) => engineIds.includes(e));
const probing = !flag('no-probe') && browserEngines.includes(OURS);
const outFile = resolve(ROOT, opt('out', quick ? 'bench/results/quick.tmp.json' : 'bench/results/latest.json'));

const workloadsFile = join(ROOT, 'bench', 'workloads.json');
const spec = JSON.parse(readFileSync(workloadsFile, 'utf8'));
const networks = JSON.parse(readFileSync(join(ROOT, 'bench', 'networks.json'), 'utf8')).workloads;
const STANDARD = Object.keys(spec.workloads).filter((k) => !spec.workloads[k].optional);
const WORKLOADS = { ...spec.workloads, ...networks };
const GROUPS = { standard: STANDARD, networks: Object.keys(networks) };
const workloadIds = [...new Set(opt('workloads', 'standard').split(',').filter(Boolean).flatMap((w) => GROUPS[w] ?? [w]))];
for (const w of workloadIds) if (!WORKLOADS[w]) die(`unknown workload ${w}: one of ${[...Object.keys(GROUPS), ...Object.keys(WORKLOADS)].join(', ')}`);
const timing = timingFor(spec, quick);
const dataset = { seed: spec.dataset.seed, train: spec.dataset.train, test: spec.dataset.test };

const WASM = join(ROOT, 'www', 'pkg', 'nn_playground_bg.wasm');
if (browserEngines.includes(OURS) && !existsSync(WASM)) die('www/pkg/ has no engine build: run `./dev bench` (it builds the engine first) or `./dev build`.');
for (const p of ['convnetjs', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm']) {
  if (!existsSync(join(ROOT, 'node_modules', p, 'package.json'))) die(`node_modules/${p} is missing: run \`npm ci\` (or ./dev bench, which does).`);
}

// ---------------------------------------------------------------- machine
const sh = (cmd) => {
  try {
    return execSync(cmd, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'], shell: '/bin/sh' }).toString().trim();
  } catch {
    return null;
  }
};
const chromiumPath = opt('chromium', process.env.CHROMIUM_PATH || sh('command -v chromium || command -v chromium-browser'));
if (browserEngines.length && !chromiumPath) die('Chromium was not found: install it (apt-get install -y chromium) or pass --chromium PATH.');
const cpuModel = (() => {
  try {
    return /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
})();
const pkgVersion = (p) => JSON.parse(readFileSync(join(ROOT, 'node_modules', p, 'package.json'), 'utf8')).version;
const machine = {
  nproc: Number(sh('nproc')) || availableParallelism(),
  cpuModel,
  memGiB: Math.round(totalmem() / 2 ** 30),
  kernel: release(),
  node: process.version,
  chromium: browserEngines.length ? sh(`"${chromiumPath}" --version 2>/dev/null`) : null,
  rustc: sh('rustc --version'),
  loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
};
const git = { commit: sh('git rev-parse HEAD'), dirty: Boolean(sh('git status --porcelain --untracked-files=no')) };
const wasmBytes = existsSync(WASM) ? readFileSync(WASM) : null;
const wasmSize = wasmBytes ? { file: 'www/pkg/nn_playground_bg.wasm', raw: wasmBytes.length, gzip: gzipSync(wasmBytes, { level: 9 }).length } : null;
const glue = join(ROOT, 'www', 'pkg', 'nn_playground.js');
if (wasmSize && existsSync(glue)) wasmSize.glueJs = { raw: statSync(glue).size, gzip: gzipSync(readFileSync(glue), { level: 9 }).length };

/**
 * The engine's summary of each workload: its FLOPs per example (a multiply-add is 2 FLOPs, plus one add
 * per output for a bias; training counted as 3 × forward) and its layers with every size worked out.
 * Those counts serve every engine alike, so GFLOP/s = examples/s × trainingFlops / 1e9 whatever each
 * engine really does, and any network the engine accepts can be measured.
 */
async function summaries(ids) {
  if (!wasmBytes) die('www/pkg/ has no engine build, which counts the FLOPs: run `./dev bench` (it builds the engine first) or `./dev build`.');
  const nn = await import('../www/pkg/nn_playground.js');
  nn.initSync({ module: wasmBytes });
  return Object.fromEntries(ids.map((w) => {
    const { summary, problems } = nn.validateSpec(engineSpec(WORKLOADS[w]));
    if (!summary) die(`workload ${w}: ${problems.map((p) => p.message).join('; ')}`);
    return [w, summary];
  }));
}
const plans = await summaries(workloadIds);
const flops = Object.fromEntries(workloadIds.map((w) => [w, { forward: plans[w].forwardFlops, training: plans[w].trainingFlops }]));
const gflops = (examplesPerSecond, w) => (examplesPerSecond == null ? null : (examplesPerSecond * flops[w].training) / 1e9);
const say = (s) => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------- browser cases
let server = null;
let chromium = null;
/** Opens the bench page on `cfg` in a fresh Chromium profile; resolves with what its worker posted. */
async function browserPage(cfg) {
  if (!server) {
    const { startServer } = await import('../scripts/serve.mjs');
    server = await startServer({ port: 0, host: '127.0.0.1', root: ROOT });
    ({ chromium } = await import('playwright-core'));
  }
  const profile = mkdtempSync(join(tmpdir(), 'nnp-bench-'));
  let context = null;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
        '--disable-dev-shm-usage', '--disable-renderer-backgrounding', '--disable-background-timer-throttling'],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => say(`    ${m.text()}`));
    page.on('pageerror', (e) => say(`    [page error] ${e.message}`));
    await page.goto(`${server.url}bench/index.html?case=${encodeURIComponent(JSON.stringify(cfg))}`);
    await page.waitForFunction(() => window.benchDone === true, null, { timeout: (3 * budgetSeconds + 180) * 1000, polling: 500 });
    return await page.evaluate(() => window.benchResult);
  } catch (e) {
    return { status: 'error', error: `harness: ${String(e.message || e).split('\n')[0]}` };
  } finally {
    if (context) await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

async function browserCase(engine, workloadId) {
  return browserPage({ engine, workloadId, workload: WORKLOADS[workloadId], dataset, timing, quick, budgetSeconds });
}

// ---------------------------------------------------------------- probe: GEMM reference and layers
const PROBE_DIR = join(ROOT, 'target', 'bench-probe');
/** Builds the bench-only probe module (examples/bench_probe.rs) with the engine's flags into target/bench-probe. */
function buildProbe() {
  say('bench: building the probe module (cargo build --release --target wasm32-unknown-unknown --example bench_probe)');
  execFileSync('cargo', ['build', '--release', '--quiet', '--target', 'wasm32-unknown-unknown', '--example', 'bench_probe'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync('wasm-bindgen', ['--target', 'web', '--out-dir', PROBE_DIR, join(ROOT, 'target', 'wasm32-unknown-unknown', 'release', 'examples', 'bench_probe.wasm')], { cwd: ROOT, stdio: 'inherit' });
}
/** The workloads whose layers are profiled: those with a convolution. */
const profiled = workloadIds.filter((w) => plans[w].layers.some((l) => l.op.op === 'conv2d'));
async function probeCase() {
  const specs = Object.fromEntries(profiled.map((w) => [w, engineSpec(WORKLOADS[w])]));
  return browserPage({ probe: true, module: '/target/bench-probe/bench_probe.js', specs, quick });
}

// ---------------------------------------------------------------- PyTorch cases
const dataDir = join(ROOT, 'www', 'data', 'mnist');
const splitSha = torch ? splitDigest(dataDir, dataset.seed, dataset.train, dataset.test) : null;
async function torchCase(engine, w) {
  const kase = {
    workloadId: w, workload: WORKLOADS[w], spec: engineSpec(WORKLOADS[w]), plan: plans[w].layers,
    dataDir, dataset, timing, quick, budgetSeconds, threads: TORCH_THREADS[engine],
  };
  const res = await runTorchCase(torch.python, kase, (l) => say(`    [${engine}] ${l}`));
  // The script reports its raw windows; the speed is computed here with the same code as the browser's.
  const meter = new Throughput();
  for (const win of res.windows || []) Object.assign(win, meter.add(win.examples, win.ms));
  res.throughput = meter.summary();
  if (res.dataCheck) {
    res.dataCheck.identical = res.dataCheck.sha256 === splitSha;
    if (!res.dataCheck.identical) Object.assign(res, { status: 'error', error: 'PyTorch trained on another split than the other engines' });
  }
  return res;
}

// ---------------------------------------------------------------- native cases
function nativeRun() {
  const json = join(tmpdir(), `nnp-bench-native-${process.pid}.tmp.json`);
  const args = ['run', '--release', '--quiet', '--example', 'bench', '--', '--json', json,
    '--workloads', workloadIds.join(','), '--budget', String(budgetSeconds)];
  if (quick) args.push('--quick');
  return new Promise((done) => {
    const child = spawn('cargo', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const relay = (d) => String(d).split('\n').filter(Boolean).forEach((l) => say(`    [native] ${l}`));
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('close', (code) => {
      try {
        const out = JSON.parse(readFileSync(json, 'utf8'));
        rmSync(json, { force: true });
        done(out);
      } catch {
        done({ error: `cargo run --example bench exited with ${code} and wrote no results` });
      }
    });
  });
}

// ---------------------------------------------------------------- run
const runs = [];
const natives = [];
const probes = [];
const t0 = Date.now();
say(`bench: ${quick ? 'QUICK (not for publishing) ' : ''}budget ${budgetSeconds} s, ${repeats} repeat(s), workloads ${workloadIds.join(', ')}; engines ${engineIds.join(', ')}`);
say(`bench: workloads from ${relative(ROOT, workloadsFile)}; ${machine.nproc} cores, ${cpuModel}; load average ${machine.loadAverageAtStart.join(' ')}`);
if (machine.loadAverageAtStart[0] > 0.5 * machine.nproc) {
  say(`bench: NOTE the machine is busy (load average ${machine.loadAverageAtStart[0]} on ${machine.nproc} cores): speeds will be lower and noisier; compare engines by the ratios of one run`);
}
if (torchNote) say(`bench: ${torchNote}`);
if (torch) say(`bench: PyTorch ${torch.version} from ${torch.python}, 1 thread and ${TORCH_THREADS['pytorch-all']} threads`);
if (probing) buildProbe();
if (engineIds.includes(NATIVE)) {
  say('bench: building the native example (cargo build --release --example bench)');
  execFileSync('cargo', ['build', '--release', '--quiet', '--example', 'bench'], { cwd: ROOT, stdio: 'inherit' });
}
for (let r = 0; r < repeats; r++) {
  if (probing) {
    say(`\n== [${r + 1}/${repeats}] probe: GEMM 256³ and the layers of ${profiled.join(', ') || 'no convolutional workload'} (browser worker)`);
    const load0 = loadavg()[0];
    const res = await probeCase();
    probes.push({ ...res, repeat: r, loadAverage: [load0, loadavg()[0]].map((x) => Math.round(x * 100) / 100) });
    say(`   -> ${res.status}${res.error ? `: ${res.error.slice(0, 160)}` : ''}`);
  }
  for (const w of workloadIds) {
    for (const engine of browserEngines) {
      say(`\n== [${r + 1}/${repeats}] ${w} / ${engine} (browser worker)`);
      const load0 = loadavg()[0];
      const tc = Date.now();
      const res = await browserCase(engine, w);
      Object.assign(res, { engine, workload: w, env: 'browser', repeat: r, wallSeconds: (Date.now() - tc) / 1000, loadAverage: [load0, loadavg()[0]].map((x) => Math.round(x * 100) / 100) });
      runs.push(res);
      const tp = res.throughput?.perSecond;
      say(`   -> ${res.status}${tp ? `, ${tp.toFixed(1)} ex/s` : ''}${res.accuracy != null ? `, accuracy ${(100 * res.accuracy).toFixed(2)}%` : ''}${res.error ? `: ${res.error.slice(0, 160)}` : ''} (${res.wallSeconds.toFixed(0)} s)`);
    }
    for (const engine of torchEngines) {
      say(`\n== [${r + 1}/${repeats}] ${w} / ${engine} (PyTorch, ${TORCH_THREADS[engine]} thread(s))`);
      const load0 = loadavg()[0];
      const tc = Date.now();
      const res = await torchCase(engine, w);
      Object.assign(res, { engine, workload: w, env: 'python', repeat: r, wallSeconds: (Date.now() - tc) / 1000, loadAverage: [load0, loadavg()[0]].map((x) => Math.round(x * 100) / 100) });
      runs.push(res);
      const tp = res.throughput?.perSecond;
      say(`   -> ${res.status}${tp ? `, ${tp.toFixed(1)} ex/s` : ''}${res.accuracy != null ? `, accuracy ${(100 * res.accuracy).toFixed(2)}%` : ''}${res.error ? `: ${res.error.slice(0, 160)}` : ''} (${res.wallSeconds.toFixed(0)} s)`);
    }
  }
  if (engineIds.includes(NATIVE)) {
    say(`\n== [${r + 1}/${repeats}] native (cargo run --release --example bench)`);
    const load0 = loadavg()[0];
    const out = await nativeRun();
    natives.push(out);
    for (const res of out.cases || []) {
      // The native example reports its raw windows; the speed is computed here with the same code as the browser's.
      const meter = new Throughput();
      for (const win of res.windows || []) Object.assign(win, meter.add(win.examples, win.ms));
      res.throughput = meter.summary();
      Object.assign(res, { engine: NATIVE, env: 'native', repeat: r, loadAverage: [load0, loadavg()[0]].map((x) => Math.round(x * 100) / 100) });
      runs.push(res);
    }
    if (out.error) runs.push(...workloadIds.map((w) => ({ engine: NATIVE, env: 'native', workload: w, repeat: r, status: 'error', error: out.error })));
  }
}
if (server) await new Promise((r) => server.server.close(r));
machine.loadAverageAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);

// ---------------------------------------------------------------- summary
const rows = [];
for (const w of workloadIds) {
  for (const engine of engineIds) {
    const rs = runs.filter((x) => x.workload === w && x.engine === engine);
    if (!rs.length) continue;
    const ok = rs.filter((x) => x.throughput?.perSecond);
    const eps = median(ok.map((x) => x.throughput.perSecond));
    const first = rs.find((x) => x.status === 'ok') ?? rs[0];
    const accs = rs.map((x) => x.accuracy).filter((a) => a != null);
    const firstStep = rs.map((x) => x.page?.loadToFirstStepMs).filter((x) => x != null);
    rows.push({
      workload: w,
      engine,
      env: first.env,
      status: first.status,
      examplesPerSecond: eps,
      range: ok.length ? [Math.min(...ok.map((x) => x.throughput.min)), Math.max(...ok.map((x) => x.throughput.max))] : null,
      windows: ok.map((x) => x.throughput.windows),
      gflops: gflops(eps, w),
      measuredSeconds: ok.length ? median(ok.map((x) => x.throughput.ms / 1000)) : null,
      accuracy: accs.length ? accs[0] : null,
      accuracyAllRepeats: accs,
      accuracyAfter: first.accuracyAfter ?? null,
      accuracyNote: first.accuracyNote ?? null,
      reduced: Boolean(first.reduced),
      loadToFirstStepMs: firstStep.length ? median(firstStep) : null,
      substitutions: first.substitutions ?? [],
      error: first.status === 'ok' ? undefined : first.error,
      engineInfo: first.info,
    });
  }
}
const ours = (w) => rows.find((r) => r.workload === w && r.engine === OURS);
for (const row of rows) {
  const o = ours(row.workload);
  row.oursOverThis = row.engine !== OURS && o?.examplesPerSecond && row.examplesPerSecond ? o.examplesPerSecond / row.examplesPerSecond : null;
}
// Each engine's reference for the networks of our own: the median GFLOP/s of its standard workloads in this run.
const standardGflops = Object.fromEntries(engineIds.map((e) => {
  const g = rows.filter((r) => r.engine === e && STANDARD.includes(r.workload) && r.gflops != null).map((r) => r.gflops);
  return [e, median(g)];
}));
for (const row of rows) row.overStandard = standardGflops[row.engine] && row.gflops != null ? row.gflops / standardGflops[row.engine] : null;
// The GEMM reference: the median over repeats of the probe's 256³ GFLOP/s.
const probed = probes.filter((p) => p.status === 'ok');
const gemmGflops = probed.length ? median(probed.map((p) => p.gemm.gflops.median)) : null;

const result = {
  generatedAt: new Date().toISOString(),
  command: `./dev bench ${argv.join(' ')}`.trim(),
  settings: { quick, budgetSeconds, repeats, timing, engines: engineIds, workloads: workloadIds, workloadsFile: relative(ROOT, workloadsFile) },
  machine,
  git,
  packages: Object.fromEntries(['convnetjs', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', 'playwright-core'].map((p) => [p, pkgVersion(p)])),
  torch: torch ?? { skipped: torchNote },
  wasmSize,
  conventions: {
    procedure: spec.conventions.bench,
    l2: 'the workloads use ConvNetJS\'s L2 convention; our engine\'s "l2" is PyTorch\'s, so it gets l2 / batchSize (the same update). The FLOPs per step are the same whichever L2 convention.',
    gflops: 'GFLOP/s = examples/s × the engine summary\'s trainingFlops per example (3 × forward; 2 per multiply-add, plus bias adds)',
    workers: 'every browser engine trains in a module Web Worker of a cross-origin-isolated page, one fresh Chromium profile per case',
  },
  flops,
  standardGflops,
  summary: rows,
  gemmGflops,
  probes,
  runs,
  native: natives.map(({ cases, ...rest }) => rest),
  totalSeconds: (Date.now() - t0) / 1000,
};
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, `${JSON.stringify(result, null, 1)}\n`);

// ---------------------------------------------------------------- table
const tfjs = result.packages['@tensorflow/tfjs'];
const NAMES = {
  'nn-playground': 'nn-playground (wasm)', convnetjs: `ConvNetJS ${result.packages.convnetjs}`, 'tfjs-cpu': `TF.js ${tfjs} cpu`, 'tfjs-wasm': `TF.js ${tfjs} wasm`, native: 'nn-playground (native)',
  'pytorch-1t': `PyTorch ${torch?.version} CPU, 1 thread`, 'pytorch-all': `PyTorch ${torch?.version} CPU, ${TORCH_THREADS['pytorch-all']} threads`,
};
const num = (v, d = 0) => (v == null ? '–' : v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
const sig = (v) => (v == null ? '–' : v >= 100 ? num(v, 0) : v >= 10 ? num(v, 1) : num(v, 2));
const lines = [];
for (const w of workloadIds) {
  const W = WORKLOADS[w];
  const own = !STANDARD.includes(w);
  lines.push('', `**${w}** — ${W.title}; batch ${W.batchSize}, ${W.optimizer.type}; ${num(flops[w].forward / 1e6, 3)} MFLOP forward, ${num(flops[w].training / 1e6, 3)} MFLOP training per example`, '');
  lines.push(`| engine | train examples/s: median (min–max) | measured | GFLOP/s |${own ? ' ÷ standard GFLOP/s |' : ''} test accuracy, 1 epoch | load → 1st step | nn-playground (wasm) ÷ this | notes |`);
  lines.push(`|---|---:|---:|---:|${own ? '---:|' : ''}---:|---:|---:|---|`);
  for (const r of rows.filter((x) => x.workload === w)) {
    const notes = [];
    if (r.status !== 'ok') notes.push(`${r.status}: ${String(r.error || '').replace(/\|/g, '/').slice(0, 110)}`);
    for (const s of r.substitutions) notes.push(`${s.used.type} instead of ${s.requested.type}: ${s.reason}`);
    if (r.reduced) notes.push('reduced: epoch over budget, short windows, no accuracy');
    else if (r.accuracyAfter && r.accuracyAfter !== '1 full epoch') notes.push(`accuracy after ${r.accuracyAfter}`);
    if (r.engine === 'tfjs-wasm' && r.engineInfo?.build) notes.push(`${r.engineInfo.build}, ${r.engineInfo.threads} thread(s)`);
    const eps = r.examplesPerSecond == null ? '–' : `${sig(r.examplesPerSecond)} (${sig(r.range[0])}–${sig(r.range[1])})`;
    const acc = r.accuracy == null ? '–' : `${(100 * r.accuracy).toFixed(2)}%`;
    const first = r.loadToFirstStepMs == null ? '–' : `${num(r.loadToFirstStepMs)} ms`;
    const ratio = r.engine === OURS ? '1' : r.oursOverThis == null ? '–' : `${sig(r.oursOverThis)}×`;
    const measured = r.windows.length ? `${r.windows.join('+')} windows, ${r.measuredSeconds.toFixed(1)} s` : '–';
    const over = own ? ` ${r.overStandard == null ? '–' : `${r.overStandard.toFixed(2)}×`} |` : '';
    lines.push(`| ${NAMES[r.engine]} | ${eps} | ${measured} | ${r.gflops == null ? '–' : r.gflops.toFixed(2)} |${over} ${acc} | ${first} | ${ratio} | ${notes.join('; ')} |`);
  }
}
if (torchNote) lines.push('', torchNote);
// ---- GEMM reference and per-layer profile (the probe module, in the same Chromium) ----
if (probes.length && !probed.length) lines.push('', `Probe (GEMM reference, per-layer profile): ${probes[0].status}: ${probes[0].error}`);
if (probed.length) {
  const g = probed.map((p) => p.gemm);
  lines.push('', `**GEMM reference**: the engine's gemm_nn kernel on a ${g[0].m}×${g[0].k}×${g[0].n} product (SIMD128, the probe module, same Chromium): ` +
    `**${gemmGflops.toFixed(2)} GFLOP/s** (${Math.min(...g.map((x) => x.gflops.min)).toFixed(2)}–${Math.max(...g.map((x) => x.gflops.max)).toFixed(2)} over ${g.reduce((n, x) => n + x.gflops.samples, 0)} samples${probed.length > 1 ? `, ${probed.length} repeats` : ''}).`);
  const mine = rows.filter((r) => r.engine === OURS && r.gflops != null && profiled.includes(r.workload));
  if (mine.length) {
    lines.push('', '| workload | nn-playground (wasm) GFLOP/s | ÷ GEMM 256³ |', '|---|---:|---:|');
    for (const r of mine) lines.push(`| ${r.workload} | ${r.gflops.toFixed(2)} | ${(r.gflops / gemmGflops).toFixed(2)} |`);
  }
  const prof = probed[0];
  lines.push('', `**Per-layer profile** (repeat 1): each layer alone, ms per batch (median of ${quick ? 3 : 7} samples); GFLOP/s from the engine's per-layer FLOPs; backward counts the weight gradient and, past the first layer, the input gradient.`);
  for (const [w, layers] of Object.entries(prof.layers)) {
    const total = layers.reduce((t, l) => t + l.forwardMs + l.backwardMs, 0);
    lines.push('', `${w} (batch ${layers[0]?.batch})`, '', '| # | layer | in → out | forward ms | GFLOP/s | backward ms | GFLOP/s | share of the step |', '|---:|---|---|---:|---:|---:|---:|---:|');
    const gf = (v) => (v == null ? '–' : v.toFixed(1));
    layers.forEach((l, i) => lines.push(`| ${i} | ${l.name} | ${l.in} → ${l.out} | ${l.forwardMs.toFixed(3)} | ${gf(l.forwardGflops)} | ${l.backwardMs.toFixed(3)} | ${gf(l.backwardGflops)} | ${((100 * (l.forwardMs + l.backwardMs)) / total).toFixed(0)}% |`));
    lines.push(`| | total | | ${layers.reduce((t, l) => t + l.forwardMs, 0).toFixed(3)} | | ${layers.reduce((t, l) => t + l.backwardMs, 0).toFixed(3)} | | 100% |`);
  }
}
if (wasmSize) lines.push('', `Engine module: ${wasmSize.file} ${num(wasmSize.raw)} bytes, ${num(wasmSize.gzip)} gzipped (level 9)${wasmSize.glueJs ? `; JS glue ${num(wasmSize.glueJs.raw)} bytes, ${num(wasmSize.glueJs.gzip)} gzipped` : ''}.`);
const breakdown = runs.find((x) => x.engine === OURS && x.timings?.firstBatchDoneAt != null && x.page?.workerStartMs != null);
if (breakdown) {
  const t = breakdown.timings;
  const ms = (v) => `${num(v)} ms`;
  lines.push('', `nn-playground load → 1st step (${breakdown.workload}): ${ms(breakdown.page.loadToFirstStepMs)} = page until the worker starts ${ms(breakdown.page.workerStartMs)} + worker scripts ${ms(t.workerScriptsMs)}` +
    ` + engine module and data in parallel ${ms(Math.max(t.engineLoadMs, t.dataFetchInflateMs))} (module ${ms(t.engineLoadMs)}, data fetch + inflate ${ms(t.dataFetchInflateMs)})` +
    ` + new Engine and setData ${ms(t.createMs)} + first batch ${ms(t.firstBatchMs)} (+ message to the page).`);
}
lines.push('', 'load → 1st step: from the navigation start of the bench page until the first training batch is done in the worker (fetching and compiling the engine or library, fetching and inflating the data, building the model), fresh profile, served from localhost.');
lines.push('GFLOP/s = examples/s × training FLOPs per example (the engine summary\'s trainingFlops, 3 × forward). The workloads\' L2 is ConvNetJS\'s; our engine gets l2/batchSize in its PyTorch convention (the same update) — the FLOPs per step are the same whichever convention.');
lines.push(`measured: windows (per repeat) and the median seconds they add up to; a window is at least ${timing.windowSeconds} s and a case at least ${timing.measuredSeconds} s (workloads.json "timing"${quick ? ', quick' : ''}).`);
const refs = engineIds.filter((e) => standardGflops[e] != null).map((e) => `${NAMES[e]} ${standardGflops[e].toFixed(2)}`);
if (workloadIds.some((w) => !STANDARD.includes(w))) {
  const ran = STANDARD.filter((w) => workloadIds.includes(w));
  lines.push(`÷ standard GFLOP/s: a network\'s GFLOP/s over the same engine\'s median GFLOP/s on the standard workloads of this run (${ran.join(', ') || 'none ran: add --workloads standard'})${refs.length ? `: ${refs.join(', ')}` : ''}.`);
}
if (quick) lines.push('', 'QUICK RUN: short windows and partial epochs; do not quote these numbers.');
console.log(`\nnn-playground benchmark — ${[result.generatedAt.slice(0, 10), `${machine.nproc} cores ${cpuModel ?? ''}`, machine.chromium].filter(Boolean).join(', ')}; load average ${machine.loadAverageAtStart[0]} at start, ${machine.loadAverageAtEnd[0]} at end; ${result.totalSeconds.toFixed(0)} s`);
console.log(lines.join('\n'));
console.log(`\nresults: ${relative(ROOT, outFile)}`);
