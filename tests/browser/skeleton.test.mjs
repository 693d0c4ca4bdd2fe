// The walking skeleton in a real browser: the page starts burn on WebGPU and runs one
// autodiff + Adam step whose result is known exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, launchBrowser, openPage, screenshot } from './harness.mjs';

// One Adam step moves each coordinate by lr against the sign of its gradient
// (core/src/engine.rs: start [1, -2, 0.5, 3], target [0, 0, 1, 1], lr 0.25).
const EXPECTED_X = [0.75, -1.75, 0.75, 2.75];

const env = setUp();

test('page starts burn on WebGPU and runs an autodiff + Adam step', async () => {
  const { page, errors } = await openPage(env.browser, env.server.url);
  await page.waitForSelector('body[data-backend]', { timeout: 180_000 });
  const backend = await page.getAttribute('body', 'data-backend');
  await screenshot(page, 'skeleton');
  assert.equal(backend, 'webgpu', `expected WebGPU, page fell back: ${await page.textContent('main')}`);
  const ok = await page.getAttribute('#selftest', 'data-ok');
  assert.equal(ok, 'true', await page.textContent('#selftest'));
  const result = JSON.parse(await page.textContent('#selftest'));
  assert.ok(Math.abs(result.loss_before - 9.25) < 1e-5, `loss before ${result.loss_before}`);
  assert.ok(Math.abs(result.loss_after - 6.75) < 1e-4, `loss after ${result.loss_after}`);
  result.x_after.forEach((x, i) => assert.ok(Math.abs(x - EXPECTED_X[i]) < 1e-4, `x[${i}] = ${x}`));
  assert.deepEqual(errors, []);
});

test('without WebGPU the page falls back to the CPU with a visible notice', async () => {
  const noGpu = await launchBrowser({ webgpu: false });
  try {
    const { page } = await openPage(noGpu, env.server.url);
    await page.waitForSelector('body[data-backend]', { timeout: 180_000 });
    assert.equal(await page.getAttribute('body', 'data-backend'), 'cpu');
    const notice = await page.textContent('.notice');
    assert.match(notice, /CPU/);
    assert.equal(await page.getAttribute('#selftest', 'data-ok'), 'true');
  } finally {
    await noGpu.close();
  }
});

test('by default the page keeps off a software WebGPU adapter; the Engine card switches', async () => {
  // The page's own default (no saved choice): SwiftShader is a software adapter.
  const browser = await launchBrowser({ webgpu: true, backend: null });
  try {
    const { page, errors } = await openPage(browser, env.server.url);
    await page.waitForSelector('body[data-backend]', { timeout: 180_000 });
    assert.equal(await page.getAttribute('body', 'data-backend'), 'cpu');
    assert.equal(await page.getAttribute('#backend-choice', 'data-choice'), 'auto');
    assert.match(await page.textContent('.notice'), /software one.*google swiftshader|google swiftshader.*software one/s);
    assert.equal(await page.getAttribute('#selftest', 'data-ok'), 'true');
    await screenshot(page, 'engine-software-adapter');
    // Asking for WebGPU anyway is saved and reloads the page onto it.
    await Promise.all([page.waitForNavigation(), page.selectOption('#backend-choice', 'webgpu')]);
    await page.waitForSelector('body[data-backend]', { timeout: 180_000 });
    assert.equal(await page.getAttribute('body', 'data-backend'), 'webgpu');
    assert.equal(await page.getAttribute('#backend-choice', 'data-choice'), 'webgpu');
    assert.equal(await page.getAttribute('#selftest', 'data-ok'), 'true');
    // `?backend=cpu` wins over the saved choice for that visit; an unknown name is ignored.
    await page.goto(`${env.server.url}?backend=cpu`);
    await page.waitForSelector('body[data-backend]', { timeout: 180_000 });
    assert.equal(await page.getAttribute('body', 'data-backend'), 'cpu');
    assert.match(await page.textContent('.notice'), /as chosen/);
    await page.goto(`${env.server.url}?backend=quantum`);
    await page.waitForSelector('body[data-backend]', { timeout: 180_000 });
    assert.equal(await page.getAttribute('body', 'data-backend'), 'webgpu');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
