// The multi-threaded CPU worker (scripts/build-threads.sh) in a real browser: served cross-origin
// isolated to a Chromium without WebGPU, the page loads it, runs the CPU kernels on a pool of
// Web Workers, and a fit there learns the same θ as the standard single-threaded worker, with
// the page's thread never blocked for long.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, openPage, screenshot, distDir, repoRoot, recordLongestTask, longestTask } from './harness.mjs';

const fixtures = path.join(repoRoot, 'models', 'fixtures');
const planted = fs.readFileSync(path.join(fixtures, 'tiny-llama-planted.jsonl'), 'utf8');
const built = fs.existsSync(path.join(distDir, 'activscalar-worker-mt.js'));

/** Fits the planted task on the tiny model in a page served with or without isolation. */
async function fitPlanted(isolated) {
  const server = await startServer({ '/': distDir, '/fixtures/': fixtures }, { isolated });
  const browser = await launchBrowser({ webgpu: false });
  try {
    const context = await browser.newContext();
    await recordLongestTask(context);
    const { page, errors } = await openPage(context, `${server.url}?model=fixtures/tiny-llama/`);
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.model));
    assert.equal(await page.getAttribute('body', 'data-model'), 'ready', await page.textContent('main'));
    const threads = Number(await page.getAttribute('#cpu-threads', 'data-threads'));
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    await page.selectOption('#task-kind', 'custom');
    await page.fill('#custom-rows', planted);
    await page.click('#check-task');
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.task));
    for (const [id, v] of [['#lambda-m', '0.001'], ['#lambda-f', '0.2'], ['#lr', '0.1'], ['#steps', '50']]) {
      await page.fill(id, v);
      await page.dispatchEvent(id, 'change');
    }
    await page.click('#run-fit');
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.fit));
    assert.equal(await page.getAttribute('body', 'data-fit'), 'done', await page.textContent('main'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
    const result = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
    if (isolated) await screenshot(page, 'threads-fit');
    return {
      threads, cores, result, errors,
      isolated: await page.evaluate(() => self.crossOriginIsolated),
      longest: await longestTask(page),
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

test('cross-origin isolated without WebGPU, the page fits on the multi-threaded worker and learns the same θ', {
  skip: !built && 'the multi-threaded worker is not built (scripts/build-threads.sh)',
}, async () => {
  const mt = await fitPlanted(true);
  assert.ok(mt.isolated, 'the page is cross-origin isolated');
  // One pool thread per logical core but the page's (on two cores or fewer, one per core).
  const expected = Math.min(Math.max(mt.cores > 2 ? mt.cores - 1 : mt.cores, 1), 16);
  assert.equal(mt.threads, expected, `${mt.cores} cores`);
  assert.deepEqual(mt.errors, []);
  const st = await fitPlanted(false);
  assert.equal(st.threads, 1, 'without isolation the standard worker runs on one thread');
  assert.deepEqual(st.errors, []);
  // The same fit: the same steps taken, and θ equal up to float rounding (a pool may split a
  // sum into other partial sums; on the 2-vCPU test machine θ came out bit-identical).
  const a = mt.result.theta.values.flat();
  const b = st.result.theta.values.flat();
  assert.equal(a.length, b.length);
  const diff = Math.max(...a.map((x, i) => Math.abs(x - b[i])));
  console.log(`threads ${mt.threads}: max |Δθ| ${diff} over ${a.length} values; longest main-thread task ${mt.longest} ms`);
  assert.ok(diff <= 1e-4, `θ differs by ${diff}`);
  assert.equal(mt.result.steps_run, st.result.steps_run);
  assert.equal(mt.result.best_step, st.result.best_step);
  assert.ok(mt.longest < 200, `the page's thread was blocked for ${mt.longest} ms`);
});

test('a threaded module that cannot start leaves the standard worker, not a dead page', {
  skip: !built && 'the multi-threaded worker is not built (scripts/build-threads.sh)',
}, async () => {
  // Its glue loads but its WebAssembly is missing, as on a broken deploy.
  const server = await startServer({ '/': distDir, '/fixtures/': fixtures, '/activscalar-worker-mt_bg.wasm': 404 }, { isolated: true });
  const browser = await launchBrowser({ webgpu: false });
  try {
    const { page, errors } = await openPage(browser, `${server.url}?model=fixtures/tiny-llama/`);
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.model));
    assert.equal(await page.getAttribute('body', 'data-model'), 'ready', await page.textContent('main'));
    assert.equal(await page.getAttribute('#cpu-threads', 'data-threads'), '1');
    assert.ok(server.requests.includes('/activscalar-worker-mt_bg.wasm'), 'the threaded module was tried');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});

test('a software WebGPU adapter counts as none: the isolated page takes the threaded CPU worker', {
  skip: !built && 'the multi-threaded worker is not built (scripts/build-threads.sh)',
}, async () => {
  // SwiftShader's WebGPU, and the page's default choice (no saved one).
  const server = await startServer({ '/': distDir, '/fixtures/': fixtures }, { isolated: true });
  const browser = await launchBrowser({ webgpu: true, backend: null });
  try {
    const { page, errors } = await openPage(browser, `${server.url}?model=fixtures/tiny-llama/`);
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.model));
    assert.equal(await page.getAttribute('body', 'data-model'), 'ready', await page.textContent('main'));
    assert.equal(await page.getAttribute('body', 'data-backend'), 'cpu');
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const threads = Number(await page.getAttribute('#cpu-threads', 'data-threads'));
    assert.equal(threads > 1, cores > 1, `${threads} threads on ${cores} cores`);
    assert.match(await page.textContent('.notice'), /software one/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
