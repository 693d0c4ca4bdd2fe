// The page never freezes: with the default model (SmolLM2-135M, where every forward pass takes
// long enough to show), loading, a task check, fits on two split seeds with their evaluation,
// the β dial, its dose-response and a λ_M sweep all run in the model worker, and the page's own thread is never blocked for more
// than 200 ms at a time — measured by the browser's Long Tasks API (and a timer that should
// fire every 20 ms, as a check against gross freezes). The page's CPU backend (no WebGPU) keeps this test's time in CI's budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, openPage, screenshot } from './harness.mjs';

const env = setUp(undefined, { webgpu: false });
const LIMIT_MS = 200;
// A late timer with no long task is the operating system giving the page's thread no core (on
// two cores the worker computes on one, Chromium's other processes share the other), not the
// page blocking it: the timer only has to catch gross freezes.
const GAP_LIMIT_MS = 1000;

// Eight CCC-style rows with single-token answers for SmolLM2's tokenizer.
const ROWS = [
  ['Rome', 'Italy', 'France'], ['Paris', 'France', 'Spain'], ['Berlin', 'Germany', 'Italy'],
  ['Madrid', 'Spain', 'Germany'], ['Tokyo', 'Japan', 'China'], ['Moscow', 'Russia', 'Japan'],
  ['Cairo', 'Egypt', 'Russia'], ['Ottawa', 'Canada', 'Egypt'],
].map(([capital, country, other]) => JSON.stringify({
  prompt: `${capital} is the capital of ${other}. ${capital} is in`, correct: ` ${country}`, wrong: ` ${other}`,
})).join('\n');

/**
 * Installed before the page's own scripts: records the longest main-thread stall, when it
 * began, and the page's `data-*` marks on <body> (what the page was doing around it).
 */
function watchMainThread() {
  window.__stall = { longTask: 0, longAt: 0, timerGap: 0, marks: [] };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.duration > window.__stall.longTask) {
        window.__stall.longTask = e.duration;
        window.__stall.longAt = e.startTime;
      }
    }
  }).observe({ entryTypes: ['longtask'] });
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target === document.body && r.attributeName.startsWith('data-')) {
        window.__stall.marks.push([performance.now(), `${r.attributeName}=${document.body.getAttribute(r.attributeName)}`]);
      }
    }
  }).observe(document, { attributes: true, subtree: true });
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    window.__stall.timerGap = Math.max(window.__stall.timerGap, now - last - 20);
    last = now;
  }, 20);
}

async function stalls(page, since) {
  const s = await page.evaluate(() => {
    const s = { ...window.__stall };
    Object.assign(window.__stall, { longTask: 0, longAt: 0, timerGap: 0, marks: [] });
    return s;
  });
  // The marks set within 2 s before the longest task began, and in it (an observer reports
  // a mark made by a task just after that task).
  const near = s.marks
    .filter(([t]) => t >= s.longAt - 2000 && t <= s.longAt + s.longTask + 50)
    .map(([t, m]) => `${m} at ${((t - s.longAt) / 1000).toFixed(2)} s`);
  const what = `longest task ${s.longTask.toFixed(0)} ms, longest timer gap ${s.timerGap.toFixed(0)} ms; marks around that task: ${near.join(', ') || 'none'}`;
  console.log(`${since}: ${what}`);
  assert.ok(s.longTask <= LIMIT_MS && s.timerGap <= GAP_LIMIT_MS,
    `the page's thread was blocked during ${since}: ${what}`);
  return s;
}

async function waitDone(page, attr) {
  await page.waitForFunction((a) => ['done', 'ready', 'error'].includes(document.body.getAttribute(a)), attr);
  const v = await page.getAttribute('body', attr);
  assert.notEqual(v, 'error', `${attr}: ${await page.textContent('main')}`.slice(0, 1500));
}

test('load, task check, fit + evaluation, β dial and sweep on the default model never block the page', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(watchMainThread);
  const { page, errors } = await openPage(context, env.server.url);
  // The page's own start (its module, the first render, the worker's module compiling beside
  // it) is not model work: the watch starts once the worker's engine is up.
  await page.waitForSelector('body[data-backend]');
  await page.evaluate(() => Object.assign(window.__stall, { longTask: 0, longAt: 0, timerGap: 0, marks: [] }));
  await page.click('#load-default');
  await waitDone(page, 'data-model');
  assert.equal(await page.getAttribute('body', 'data-backend'), 'cpu');
  await stalls(page, 'the model load');

  await page.selectOption('#task-kind', 'custom');
  await page.fill('#custom-rows', ROWS);
  await page.click('#check-task');
  await waitDone(page, 'data-task');
  assert.match(await page.textContent('#task-check'), /[1-9] train, [1-9] validation, [1-9] test/);
  await stalls(page, 'the task check');

  // Two split seeds: two fits in a row, and their mean ± sd.
  for (const [id, v] of [['#steps', '3'], ['#repeats', '2']]) {
    await page.fill(id, v);
    await page.dispatchEvent(id, 'change');
  }
  await page.click('#run-fit');
  // Live progress while the worker computes: the status line advances step by step.
  await page.waitForFunction(() => /step 1 /.test(document.querySelector('#fit-status')?.textContent ?? ''));
  await waitDone(page, 'data-fit');
  assert.match(await page.textContent('#result-summary'), /3 steps/);
  assert.match(await page.textContent('#repeats-table caption'), /Mean ± sd over 2 split seeds \(0, 1\)/);
  assert.match(await page.textContent('#repeats-table'), /test flips β=−1\d+\.\d ± \d+\.\d %/);
  await stalls(page, 'the fits and their evaluation');

  await page.waitForSelector('body[data-steer]');
  await page.$eval('#beta', (el) => { el.value = '-1'; el.dispatchEvent(new Event('input', { bubbles: true })); });
  await page.waitForFunction(() => document.body.dataset.steer === '-1.00');
  await stalls(page, 'the β dial');
  await page.click('#draw-curve');
  await waitDone(page, 'data-curve');
  assert.equal(await page.$$eval('#dose-ld circle', (c) => c.length), 3 * 17, 'mean LD ± sd at 17 values of β');
  await stalls(page, 'the dose-response');

  for (const [id, v] of [['#grid-min', '0.01'], ['#grid-max', '0.1'], ['#grid-points', '2'], ['#sweep-steps', '1']]) {
    await page.fill(id, v);
    await page.dispatchEvent(id, 'change');
  }
  await page.click('#run-sweep');
  await waitDone(page, 'data-sweep');
  await stalls(page, 'the sweep');
  await screenshot(page, 'responsive-default-model');
  assert.deepEqual(errors, []);
  await context.close();
});
