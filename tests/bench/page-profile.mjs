// Where the page's workers spend their time on one of the bench page's workloads (W1, W2 or W4;
// default W4). Opens dist/?bench in headless Chromium without WebGPU (so the page's CPU
// backend), runs the workloads before the chosen one unsampled (after the default task's check
// with `--check`, as page-bench.mjs runs them), samples every worker — the model worker and the
// CPU pool's workers — with the DevTools CPU profiler while the chosen one runs, and prints each
// worker's busiest functions by self (wall) time. The sampling costs a few per cent of a core
// per worker, so the sampled workload runs a little slower than in page-bench.mjs.
// Function names: `NAMES=1 bash scripts/build-threads.sh` keeps them in the threaded worker;
// for the standard worker, after `trunk build --release`:
//   wasm-opt -Oz -g target/wasm-bindgen/release/activscalar-worker_bg.wasm -o dist/activscalar-worker_bg.wasm
// `--isolated` serves the page cross-origin isolated, so that the multi-threaded worker runs;
// `--cores N` makes the workers see N logical cores (the pool's size follows); `--js-flags`
// passes flags to V8. Node 20 needs --experimental-websocket (CDP over its WebSocket).
//   node --experimental-websocket tests/bench/page-profile.mjs [--workload W4] [--check] [--isolated]
//     [--cores N] [--js-flags FLAGS] [--dist DIR] [--top K] [--out profile.json]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startServer, distDir } from '../browser/harness.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const isolated = process.argv.includes('--isolated');
const check = process.argv.includes('--check');
const cores = arg('--cores', null);
const top = Number(arg('--top', '25'));
const out = arg('--out', null);
// The bench page runs W1, W2 and W4 in that order, one table row each.
const ORDER = ['W1', 'W2', 'W4'];
const workload = arg('--workload', 'W4');
if (!ORDER.includes(workload)) throw new Error(`--workload: one of ${ORDER.join(', ')}`);
const before = ORDER.indexOf(workload);
const t0 = Date.now();
const note = (what) => console.error(`[page-profile ${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);

const server = await startServer({ '/': arg('--dist', distDir) }, { isolated });
const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'page-profile-'));
const chrome = spawn(process.env.CHROMIUM ?? '/usr/bin/chromium', [
  '--headless=new', '--no-sandbox', '--disable-webgpu', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ...(arg('--js-flags', null) ? [`--js-flags=${arg('--js-flags')}`] : []),
  '--remote-debugging-port=0', `--user-data-dir=${userDir}`, 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe'] });
const wsUrl = await new Promise((resolve, reject) => {
  let err = '';
  chrome.stderr.on('data', (d) => {
    err += d;
    const m = err.match(/DevTools listening on (ws:\S+)/);
    if (m) resolve(m[1]);
  });
  chrome.on('exit', () => reject(new Error(`chromium exited: ${err}`)));
});

// A flat CDP connection: one socket, sessions by id.
const ws = new WebSocket(wsUrl);
await new Promise((r) => ws.addEventListener('open', r, { once: true }));
let nextId = 0;
const pending = new Map();
const listeners = [];
ws.addEventListener('message', (e) => {
  const msg = JSON.parse(e.data);
  if (msg.id !== undefined) {
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
    else p.resolve(msg.result);
  } else {
    for (const l of listeners) l(msg);
  }
});
const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
  const id = ++nextId;
  pending.set(id, { resolve, reject, method });
  ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
});

// Every worker (the model worker and the pool's workers it starts) is held at its start, told to
// report its own workers, given the core count asked for, and then let run.
const workers = new Map();
const autoAttach = { autoAttach: true, waitForDebuggerOnStart: true, flatten: true };
listeners.push(async (msg) => {
  if (msg.method !== 'Target.attachedToTarget') return;
  const { sessionId, targetInfo } = msg.params;
  if (targetInfo.type !== 'worker') {
    await send('Runtime.runIfWaitingForDebugger', {}, sessionId).catch(() => {});
    return;
  }
  workers.set(sessionId, { url: targetInfo.url, name: `worker ${workers.size}` });
  await send('Target.setAutoAttach', autoAttach, sessionId);
  await send('Profiler.enable', {}, sessionId);
  await send('Profiler.setSamplingInterval', { interval: 200 }, sessionId);
  if (cores) {
    await send('Runtime.evaluate', {
      expression: `Object.defineProperty(WorkerNavigator.prototype, 'hardwareConcurrency', { get: () => ${Number(cores)} })`,
    }, sessionId);
  }
  await send('Runtime.runIfWaitingForDebugger', {}, sessionId);
});

const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
const { sessionId: page } = await send('Target.attachToTarget', { targetId, flatten: true });
await send('Target.setAutoAttach', autoAttach, page);
await send('Runtime.enable', {}, page);
const evaluate = async (expression) => (await send('Runtime.evaluate', { expression, returnByValue: true }, page)).result.value;
const waitFor = async (expression) => {
  while (!(await evaluate(expression))) await new Promise((r) => setTimeout(r, 100));
};
try {
  await send('Page.navigate', { url: `${server.url}?bench&reps=1` }, page);
  await waitFor(`['ready', 'error'].includes(document.body?.dataset.model)`);
  note(`model ${await evaluate('document.body.dataset.model')}; ${await evaluate(`document.querySelector('#cpu-threads')?.textContent ?? ''`)}`);
  if (check) {
    // As page-bench.mjs does by default: the default task checked on the model first.
    await evaluate(`document.querySelector('#check-task').click()`);
    await waitFor(`['ready', 'error'].includes(document.body.dataset.task)`);
    note(`task check: ${await evaluate('document.body.dataset.task')}`);
  }
  await evaluate(`document.querySelector('#run-bench').click()`);
  // The workloads before the chosen one unsampled; then it under the profiler.
  await waitFor(`document.querySelectorAll('#bench-table tbody tr').length >= ${before} || document.body.dataset.bench === 'error'`);
  const sessions = [...workers.keys()];
  await Promise.all(sessions.map((s) => send('Profiler.start', {}, s)));
  note(`sampling ${sessions.length} workers during ${workload}`);
  await waitFor(`[...document.querySelectorAll('#bench-table tbody tr')].some((tr) => tr.dataset.workload.startsWith('${workload}')) || document.body.dataset.bench === 'error'`);
  const profiles = await Promise.all(sessions.map((s) => send('Profiler.stop', {}, s)));
  const rows = await evaluate(`JSON.stringify([...document.querySelectorAll('#bench-table tbody tr')].map((tr) => [tr.dataset.workload, tr.dataset.backend, tr.dataset.median]))`);
  note(`bench rows: ${rows}`);
  const report = sessions.map((s, i) => summarise(workers.get(s), profiles[i].profile));
  for (const r of report) {
    console.log(`\n${r.name} (${r.url.split('/').pop()}): ${r.total_ms.toFixed(0)} ms sampled, idle ${r.idle_ms.toFixed(0)} ms`);
    for (const f of r.functions.slice(0, top)) console.log(`  ${f.ms.toFixed(0).padStart(7)} ms  ${(100 * f.ms / r.total_ms).toFixed(1).padStart(5)} %  ${f.name}`);
  }
  if (out) fs.writeFileSync(out, JSON.stringify({ bench: JSON.parse(rows), report }, null, 2));
} finally {
  ws.close();
  const exited = new Promise((r) => chrome.once('exit', r));
  chrome.kill();
  await exited;
  await server.close();
  // Chromium's helpers may still be writing there for a moment.
  try {
    fs.rmSync(userDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
  } catch (e) {
    note(`left ${userDir}: ${e.message}`);
  }
}

/** Self time per function name (µs sample deltas summed by the sampled node's function). */
function summarise(worker, profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const frame = byId.get(id).callFrame;
    const name = frame.functionName || `(anonymous ${frame.url.split('/').pop()})`;
    self.set(name, (self.get(name) ?? 0) + dt);
    total += dt;
  });
  const functions = [...self].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
  return { ...worker, total_ms: total, idle_ms: self.get('(idle)') ?? 0, functions };
}
