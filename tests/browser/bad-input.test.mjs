// The bad-input matrix of docs/RELIABILITY.md in a real browser: each bad input gets a clear
// message and the page keeps what it had (the loaded model, the shown result).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setUp, openPage, screenshot, distDir, repoRoot } from './harness.mjs';

const fixtures = path.join(repoRoot, 'models', 'fixtures');
const tiny = (f) => fs.readFileSync(path.join(fixtures, 'tiny-llama', f));

const env = setUp({ '/': distDir, '/fixtures/': fixtures });

async function heatmapCells(page) {
  return page.$$eval('#heatmap-panel rect.cell', (rs) => rs.map((r) => ({ hook: r.dataset.hook, pos: r.dataset.pos, value: r.dataset.value })));
}

/** Clears `name` on <body>, runs `action`, waits until the page sets it to a final state. */
async function expectAttr(page, name, wanted, action) {
  await page.evaluate((n) => document.body.removeAttribute(n), name);
  await action();
  await page.waitForFunction((n) => !['running', null].includes(document.body.getAttribute(n)), name);
  const alerts = await page.$$eval('[role=alert]', (a) => a.map((e) => e.textContent).join(' | '));
  assert.equal(await page.getAttribute('body', name), wanted, `${name}: ${alerts}`);
}

test('bad model files, bad task rows, a non-finite fit and a foreign result: clear messages, nothing lost', async () => {
  const context = await env.browser.newContext({ acceptDownloads: true });
  const { page, errors } = await openPage(context, `${env.server.url}?model=fixtures/tiny-llama/`);
  await page.waitForSelector('body[data-model="ready"]');
  const card = () => page.getAttribute('#model-card', 'data-arch');
  const planted = fs.readFileSync(path.join(fixtures, 'tiny-llama-planted.jsonl'), 'utf8');

  // A model and a result on the page first: every refusal below must leave both as they were.
  await page.selectOption('#task-kind', 'custom');
  await page.fill('#custom-rows', planted);
  await page.click('#fit-panel summary');
  await page.fill('#steps', '3');
  await page.dispatchEvent('#steps', 'change');
  await expectAttr(page, 'data-fit', 'done', () => page.click('#run-fit'));
  const cells = await heatmapCells(page);
  assert.equal(cells.length, 24);
  const survived = async (what) => {
    assert.equal(await card(), 'llama', `${what}: the model stays`);
    assert.deepEqual(await heatmapCells(page), cells, `${what}: the result stays`);
  };

  // Wrong file type.
  await expectAttr(page, 'data-model', 'error', () =>
    page.setInputFiles('#model-files', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') }));
  assert.match(await page.textContent('#model-error'), /expected a \.gguf file, or config\.json \+ tokenizer\.json \+ \*\.safetensors/);
  await survived('wrong file type');

  // A truncated GGUF.
  const gguf = fs.readFileSync(path.join(fixtures, 'tiny-llama.gguf'));
  await expectAttr(page, 'data-model', 'error', () =>
    page.setInputFiles('#model-files', { name: 'broken.gguf', mimeType: 'application/octet-stream', buffer: gguf.subarray(0, gguf.length >> 1) }));
  assert.match(await page.textContent('#model-error'), /broken\.gguf: .*file is truncated/);
  await survived('truncated GGUF');

  // A config of an unknown architecture.
  const config = JSON.parse(tiny('config.json'));
  config.model_type = 'mamba';
  await expectAttr(page, 'data-model', 'error', () =>
    page.setInputFiles('#model-files', [
      { name: 'config.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(config)) },
      { name: 'tokenizer.json', mimeType: 'application/json', buffer: tiny('tokenizer.json') },
      { name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: tiny('model.safetensors') },
    ]));
  assert.match(await page.textContent('#model-error'), /unsupported: architecture `mamba`.*supported: gpt2, gpt_neox/);
  await survived('unknown architecture');

  // A config.json of another model size: the weights do not have the shapes it implies.
  const wider = JSON.parse(tiny('config.json'));
  wider.intermediate_size += 8;
  await expectAttr(page, 'data-model', 'error', () =>
    page.setInputFiles('#model-files', [
      { name: 'config.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(wider)) },
      { name: 'tokenizer.json', mimeType: 'application/json', buffer: tiny('tokenizer.json') },
      { name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: tiny('model.safetensors') },
    ]));
  assert.match(await page.textContent('#model-error'), /weight `model\.layers\.0\.mlp\.gate_proj\.weight` has shape \[\d+, \d+\], expected \[\d+, \d+\]/);
  await survived('weights of other shapes than config.json implies');

  // A tokenizer from another model (a larger vocabulary than the weights' embedding).
  const foreign = JSON.parse(tiny('tokenizer.json'));
  for (let i = 0; i < 40; i++) {
    foreign.added_tokens.push({ id: 319 + i, content: `<extra_${i}>`, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  }
  await expectAttr(page, 'data-model', 'error', () =>
    page.setInputFiles('#model-files', [
      { name: 'config.json', mimeType: 'application/json', buffer: tiny('config.json') },
      { name: 'tokenizer.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(foreign)) },
      { name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: tiny('model.safetensors') },
    ]));
  assert.match(await page.textContent('#model-error'), /the tokenizer has 359 tokens but the model only 320: tokenizer and weights come from different models/);
  await survived('foreign tokenizer');

  // Multi-token and empty answers are dropped with reasons; unequal prompt lengths are set aside.
  await page.selectOption('#task-kind', 'custom');
  await page.fill('#custom-rows', 'prompt,correct,wrong\nkfjd,a,b\nqpwo,a,b\nzmxn,a,b\nhgvk,a,b\ntyruiopqwe,a,b\nplmz,alpha beta,b\nwqkj,,b\n');
  await expectAttr(page, 'data-task', 'ready', () => page.click('#check-task'));
  const check = await page.textContent('#task-check');
  assert.match(check, /2 rows dropped \(answers must be single, different tokens\)/);
  assert.match(check, /1 rows set aside: rows without a template are matched by absolute position, so only one prompt length is used \(lengths \[\d+, \d+\]\); the largest group is used/);
  await page.click('#task-check summary');
  const reasons = await page.textContent('#task-check ul');
  assert.match(reasons, /empty answer/);
  assert.match(reasons, /answer "alpha beta" is \d+ tokens/);
  await survived('rows dropped and set aside');
  // A task with no usable rows.
  await page.fill('#custom-rows', 'prompt,correct,wrong\nkfjd,,b\n');
  await expectAttr(page, 'data-task', 'error', () => page.click('#check-task'));
  assert.match(await page.textContent('#task-error'), /the task has 0 usable rows \(1 dropped, e\.g\. empty answer\); at least 2 are needed/);
  await survived('no usable rows');

  // A loss that becomes infinite: the fit stops, says so and keeps the starting parameters.
  await page.fill('#custom-rows', planted);
  await page.fill('#margin', '1e39');
  await page.dispatchEvent('#margin', 'change');
  await expectAttr(page, 'data-fit', 'done', () => page.click('#run-fit'));
  assert.match(await page.textContent('#fit-message'), /The fit stopped: the loss became inf at step 1; the starting parameters were kept/);
  assert.equal(await page.$$eval('#heatmap-panel rect.cell', (c) => c.length), 24, 'the kept (identity) result is shown');

  // A result learned on another model: shown, but the β dial refuses and the page says why.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const result = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
  result.model.weights_sha256 = '0'.repeat(64);
  await expectAttr(page, 'data-import', 'ready', () =>
    page.setInputFiles('#import-json', { name: 'foreign.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(result)) }));
  await page.waitForSelector('#model-mismatch');
  assert.match(await page.textContent('#steer-panel'), /not the one this result was learned on/);
  const foreignCells = await heatmapCells(page);
  // … and a result from a newer format version, or one whose θ does not fit its shape, is
  // refused with the field, and the shown one stays.
  for (const [name, edit, message] of [
    ['newer.json', (r) => { r.format_version = 99; }, /newer\.json was written by a newer version/],
    ['short.json', (r) => { r.theta.values = [[0.5]]; }, /short\.json: this result is not valid: theta\.values has leaves of sizes \[1\]/],
    ['layers.json', (r) => { r.theta.dims.layers = 0; }, /layers\.json: this result is not valid: theta\.dims has no layers or no width/],
  ]) {
    const bad = structuredClone(result);
    edit(bad);
    await expectAttr(page, 'data-import', 'error', () =>
      page.setInputFiles('#import-json', { name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) }));
    assert.match(await page.textContent('#share-error'), message);
    assert.deepEqual(await heatmapCells(page), foreignCells, `${name}: the shown result stays`);
    assert.equal(await card(), 'llama');
  }

  // Untrusted strings are rendered as text, never as markup.
  await page.fill('#custom-rows', 'prompt,correct,wrong\n<img src=x onerror=alert(1)>kfjd,,b\nqpwo,a,b\nzmxn,a,b\n');
  await expectAttr(page, 'data-task', 'ready', () => page.click('#check-task'));
  await page.click('#task-check summary');
  assert.match(await page.textContent('#task-check ul'), /<img src=x onerror=alert\(1\)>kfjd → empty answer/);
  assert.equal(await page.$('#task-panel img'), null);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a GPU device lost mid-fit: the page moves to a new device, reloads the model and resumes from the best θ', async () => {
  const context = await env.browser.newContext();
  const { page, errors } = await openPage(context, `${env.server.url}?model=fixtures/tiny-llama/&test-hooks`);
  await page.waitForSelector('body[data-model="ready"]');
  if ((await page.getAttribute('body', 'data-backend')) !== 'webgpu') {
    throw new Error('this test needs WebGPU (SwiftShader): the page fell back to the CPU');
  }
  // The adapter's real buffer limits are read and shown.
  const maxTensor = Number(await page.getAttribute('#gpu-limits', 'data-max-tensor-bytes'));
  assert.ok(maxTensor >= 128 * 2 ** 20, `WebGPU guarantees 128 MiB bindings, got ${maxTensor}`);
  assert.match(await page.textContent('#gpu-limits'), /largest tensor [\d.]+ MiB \(maxBufferSize [\d.]+ MiB, maxStorageBufferBindingSize [\d.]+ MiB\) · (no )?shader-f16/);

  await page.selectOption('#task-kind', 'custom');
  await page.fill('#custom-rows', fs.readFileSync(path.join(fixtures, 'tiny-llama-planted.jsonl'), 'utf8'));
  await page.click('#fit-panel summary');
  await page.fill('#steps', '12');
  await page.dispatchEvent('#steps', 'change');
  await page.evaluate(() => document.body.removeAttribute('data-fit'));
  await page.click('#run-fit');
  // Lose the device once a few steps have run (GPUDevice.destroy(): a real loss, as after a
  // driver reset; every tensor on it is gone).
  await page.waitForFunction(() => /step ([4-9]|1\d)/.test(document.querySelector('#fit-status')?.textContent ?? ''));
  await page.evaluate(() => window.activscalarLoseGpu());
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.getAttribute('data-fit')), null, { timeout: 600_000 });
  const message = await page.textContent('#fit-message');
  assert.equal(await page.getAttribute('body', 'data-fit'), 'done', message);
  assert.match(message, /The GPU device was lost at step \d+ \(Destroyed[^)]*\); the fit resumed on a new GPU device from the best parameters so far \(step \d+\)/);
  assert.equal(await page.getAttribute('body', 'data-device-lost'), 'recovered');
  assert.equal(await page.getAttribute('body', 'data-backend'), 'webgpu');
  // The fit ran its whole budget across both devices, and its result is on display.
  assert.match(await page.textContent('#result-summary'), /12 steps/);
  assert.equal(await page.$$eval('#heatmap-panel rect.cell', (c) => c.length), 24);
  await screenshot(page, 'device-lost-recovered');
  // The reloaded model is the page's model.
  assert.equal(await page.getAttribute('body', 'data-model'), 'ready');
  assert.deepEqual(errors, []);
  await context.close();
});
