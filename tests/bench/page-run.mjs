// A user's *Run* in the page, timed (docs/BENCHMARKS.md): headless Chromium on the page's CPU
// backend (or WebGPU with --webgpu, chosen even on a software adapter such as SwiftShader)
// opens the explorer, loads the default model, picks a built-in task and clicks Run with the page's default options (or only the step
// budget changed, `--steps N`, so that a run on a slow backend ends: a default fit's 100 steps
// are then N steps' time × 100 / N). Prints the time to the model, the task check, the fit's
// training (as the result records it) and the whole Run (training + evaluation), then the
// result's table as the page shows it. `--no-check` skips the explicit task check (Run then
// prepares the task itself), which on an emulated GPU costs minutes of its own.
// `--conflicts N` (CCC) and `--ioi-rows N` (IOI) set the task's size as its fields on the page do.
//   node tests/bench/page-run.mjs [--task ccc|ioi] [--conflicts N] [--ioi-rows N] [--steps N]
//                                 [--webgpu] [--no-check]
import { launchBrowser, startServer, distDir, openPage, recordLongestTask, longestTask } from '../browser/harness.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const task = arg('--task', 'ccc');
const steps = arg('--steps', null);
const conflicts = arg('--conflicts', null);
const ioiRows = arg('--ioi-rows', null);
const webgpu = process.argv.includes('--webgpu');
const check = !process.argv.includes('--no-check');
const server = await startServer({ '/': distDir });
const browser = await launchBrowser({ webgpu });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // The page's own thread: the longest task it ran over the whole visit (long tasks are ≥ 50 ms).
  await recordLongestTask(context);
  const { page, errors } = await openPage(context, server.url);
  page.setDefaultTimeout(4 * 60 * 60 * 1000);
  const t0 = Date.now();
  const since = (t) => ((Date.now() - t) / 1000).toFixed(1);
  const wait = async (name) => {
    await page.waitForFunction((n) => ['ready', 'done', 'error'].includes(document.body.getAttribute(n)), name);
    const v = await page.getAttribute('body', name);
    if (v === 'error') throw new Error(`${name}=error: ${(await page.textContent('main')).slice(0, 1500)}`);
  };
  await page.waitForSelector('body[data-backend]');
  console.log(`backend: ${await page.getAttribute('body', 'data-backend')}`);
  await page.click('#load-default');
  await wait('data-model');
  console.log(`model ready: ${since(t0)} s`);
  await page.selectOption('#task-kind', task);
  const setNumber = async (selector, value) => {
    await page.fill(selector, value);
    await page.dispatchEvent(selector, 'change');
  };
  if (conflicts) await setNumber('#ccc-conflicts', conflicts);
  if (ioiRows) await setNumber('#ioi-rows', ioiRows);
  let t = Date.now();
  if (check) {
    await page.click('#check-task');
    await wait('data-task');
    console.log(`task check: ${since(t)} s — ${(await page.textContent('#task-check')).trim().slice(0, 300)}`);
  }
  if (steps) await setNumber('#steps', steps);
  t = Date.now();
  await page.click('#run-fit');
  await page.waitForFunction(() => document.body.dataset.fit === 'running');
  // The page's own account of the Run, on stderr whenever it changes (a run on an emulated GPU
  // takes many minutes per phase).
  let said = '';
  while (!['ready', 'done', 'error'].includes(await page.getAttribute('body', 'data-fit'))) {
    const status = (await page.textContent('#fit-status')).trim();
    if (status !== said) console.error(`[${since(t)} s] ${(said = status)}`);
    await page.waitForTimeout(5000);
  }
  await wait('data-fit');
  const total = since(t);
  console.log(`Run (training + evaluation): ${total} s`);
  console.log(`summary: ${(await page.textContent('#result-summary')).trim()}`);
  const rows = await page.$$eval('#result-table tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim()).join(' | ')));
  for (const r of rows) console.log(`  ${r}`);
  console.log(`longest main-thread task over the visit: ${(await longestTask(page)).toFixed(0)} ms (0: none over 50 ms)`);
  if (errors.length) throw new Error(`console errors: ${errors.join('; ')}`);
} finally {
  await browser.close();
  await server.close();
}
