// The browser bench page (?bench): W1, W2 and W4 timed in the model worker on WebGPU and on the
// CPU backend, with ratios, the time until the model was interactive and the longest time the
// page's own thread was blocked meanwhile. Tiny model, so only the
// plumbing is tested here; numbers for the default model are in docs/BENCHMARKS.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setUp, openPage, screenshot, distDir, repoRoot } from './harness.mjs';

const env = setUp({ '/': distDir, '/fixtures/': path.join(repoRoot, 'models', 'fixtures') });

test('the bench page times W1, W2 and W4 on WebGPU against the CPU backend', async () => {
  const { page, errors } = await openPage(env.browser, `${env.server.url}?bench&reps=2&model=fixtures/tiny-llama.gguf`);
  await page.waitForSelector('body[data-model="ready"]');
  assert.match(await page.textContent('#bench-ready'), /Model interactive \d+\.\d s after the page started loading/);
  await page.click('#run-bench');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.bench));
  assert.equal(await page.getAttribute('body', 'data-bench'), 'done', await page.textContent('#bench-status'));
  const rows = await page.$$eval('#bench-table tbody tr', (trs) =>
    trs.map((tr) => ({ workload: tr.dataset.workload, backend: tr.dataset.backend, median: Number(tr.dataset.median), ratio: tr.querySelector('.bench-ratio').textContent })),
  );
  assert.deepEqual(rows.map((r) => `${r.workload.slice(0, 2)} ${r.backend}`), ['W1 webgpu', 'W2 webgpu', 'W4 webgpu', 'W1 cpu', 'W2 cpu', 'W4 cpu']);
  for (const r of rows) assert.ok(r.median > 0 && Number.isFinite(r.median), JSON.stringify(r));
  for (const r of rows.filter((r) => r.backend === 'webgpu')) assert.match(r.ratio, /^\d+\.\d\d×$/);
  assert.match(await page.textContent('#bench-panel'), /random token ids/);
  // W4 relative to W2 on the same backend, and the page's thread while the worker measured.
  const perW2 = await page.$$eval('#bench-table tbody tr .per-w2', (tds) => tds.map((td) => Number(td.textContent)));
  assert.ok(perW2.every((x) => Number.isFinite(x) && x > 0), String(perW2));
  const block = Number(await page.getAttribute('#bench-longest-block', 'data-ms'));
  assert.ok(Number.isFinite(block) && block >= 0, `longest block ${block}`);
  await screenshot(page, 'bench-page');
  assert.deepEqual(errors, []);
});
