// The bench page in headless Chromium: opens dist/?bench (the default model), checks the
// default task (CCC), runs W1, W2 and W4 in the page's model worker and prints the rows as JSON,
// with the time until the model was interactive, the task check's time and the longest time the
// page's thread was blocked (during the benchmark, and over the whole visit). Without `--webgpu` the page
// runs on its CPU backend (WebAssembly); with it, on SwiftShader's emulated WebGPU (plus the
// CPU baseline the page runs after it).
// `--no-check` skips the task check (on an emulated GPU it alone can take longer than the
// workloads). `--isolated` serves the page cross-origin isolated, so that a site built with
// scripts/build-threads.sh runs the CPU backend on its multi-threaded worker.
//   node tests/bench/page-bench.mjs [--webgpu] [--isolated] [--reps N] [--no-check] [--out file.json]
import fs from 'node:fs';
import { launchBrowser, startServer, distDir, recordLongestTask, longestTask } from '../browser/harness.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const webgpu = process.argv.includes('--webgpu');
const reps = Number(arg('--reps', '3'));
const out = arg('--out', null);
const skipCheck = process.argv.includes('--no-check');
const isolated = process.argv.includes('--isolated');
// Progress on stderr (a run on an emulated GPU can take many minutes per phase).
const t0 = Date.now();
const note = (what) => console.error(`[page-bench ${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);

const server = await startServer({ '/': distDir }, { isolated });
const browser = await launchBrowser({ webgpu });
try {
  const context = await browser.newContext();
  // The longest task on the page's thread over the whole visit (Long Tasks API).
  await recordLongestTask(context);
  const page = await context.newPage();
  page.setDefaultTimeout(60 * 60 * 1000);
  const started = Date.now();
  await page.goto(`${server.url}?bench&reps=${reps}`);
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.model));
  if (await page.getAttribute('body', 'data-model') !== 'ready') {
    throw new Error(`the model did not load: ${await page.textContent('#model-panel')}`);
  }
  const loadSeconds = (Date.now() - started) / 1000;
  note(`model ready: ${await page.evaluate(() => document.querySelector('#load-phases')?.textContent.trim() ?? '')}`);
  // The task check of the default task (CCC) on the page.
  let checkSeconds = null;
  let check = null;
  if (!skipCheck) {
    const checkStart = Date.now();
    await page.click('#check-task');
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.task));
    checkSeconds = (Date.now() - checkStart) / 1000;
    note(`task checked in ${checkSeconds.toFixed(1)} s`);
    check = await page.evaluate(() => document.querySelector('#task-check p')?.textContent ?? document.querySelector('#task-error')?.textContent);
  }
  await page.click('#run-bench');
  // Each timed row as it appears.
  let seen = 0;
  while (!['done', 'error'].includes(await page.getAttribute('body', 'data-bench'))) {
    const rows = await page.$$eval('#bench-table tbody tr', (trs) => trs.map((tr) => `${tr.dataset.workload} on ${tr.dataset.backend}: median ${tr.dataset.median} ms`));
    for (; seen < rows.length; seen++) note(rows[seen]);
    await page.waitForTimeout(2000);
  }
  if (await page.getAttribute('body', 'data-bench') !== 'done') {
    throw new Error(await page.textContent('#bench-status'));
  }
  const rows = await page.$$eval('#bench-table tbody tr', (trs) =>
    trs.map((tr) => ({ workload: tr.dataset.workload, backend: tr.dataset.backend, first_ms: Number(tr.querySelector('.first-run')?.textContent), median_ms: Number(tr.dataset.median) })));
  const result = {
    browser: await browser.version(),
    webgpu_requested: webgpu,
    backend: await page.getAttribute('body', 'data-backend'),
    cross_origin_isolated: await page.evaluate(() => self.crossOriginIsolated),
    cpu_threads: Number(await page.getAttribute('#cpu-threads', 'data-threads')),
    adapter: await page.evaluate(() => document.querySelector('#gpu-limits')?.textContent.trim() ?? null),
    model_ready_s: loadSeconds,
    task_check_s: checkSeconds,
    task_check: check,
    ready_text: (await page.textContent('#bench-ready')).trim(),
    load_phases: await page.evaluate(() => document.querySelector('#load-phases')?.textContent.trim() ?? null),
    longest_block_ms: Number(await page.getAttribute('#bench-longest-block', 'data-ms')),
    longest_block_whole_visit_ms: await longestTask(page),
    workloads: await page.evaluate(() => document.querySelector('#bench-workloads')?.textContent.trim() ?? null),
    rows,
  };
  console.log(JSON.stringify(result, null, 2));
  if (out) fs.writeFileSync(out, JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  await server.close();
}
