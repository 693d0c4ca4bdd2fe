// The model core in a real browser on WebGPU: tiny fixture models load from bytes (dropped
// files or a ?model= URL) and their next-token logits match the transformers goldens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setUp, launchBrowser, openPage, screenshot, distDir, repoRoot, checkPrediction as checkAgainst } from './harness.mjs';

const fixtures = path.join(repoRoot, 'models', 'fixtures');
// WebGPU reductions run in a different order than the CPU reference.
const TOL = 1e-3;

const env = setUp({ '/': distDir, '/fixtures/': fixtures });

/** Checks the page's prediction against transformers' golden `name` (default tolerance TOL). */
const checkPrediction = (page, name, tol = TOL) => checkAgainst(page, name, tol);

async function waitModel(page) {
  await page.waitForSelector('body[data-model]');
  const state = await page.getAttribute('body', 'data-model');
  assert.equal(state, 'ready', state === 'error' ? await page.textContent('#model-error') : 'model not ready');
}

test('dropped Hugging Face files (tiny GPT-2) run on WebGPU and match transformers', async () => {
  const { page, errors } = await openPage(env.browser, env.server.url);
  await page.waitForSelector('body[data-backend="webgpu"]');
  const dir = path.join(fixtures, 'tiny-gpt2');
  await page.setInputFiles('#model-files', ['config.json', 'tokenizer.json', 'model.safetensors'].map((f) => path.join(dir, f)));
  await waitModel(page);
  assert.equal(await page.getAttribute('#model-card', 'data-arch'), 'gpt2');
  await checkPrediction(page, 'tiny-gpt2');
  await screenshot(page, 'model-tiny-gpt2');
  assert.deepEqual(errors, []);
});

test('a GGUF from a ?model= URL (tiny Llama, quantised) matches the llama.cpp-dequantised golden', async () => {
  const { page, errors } = await openPage(env.browser, `${env.server.url}?model=fixtures/tiny-llama.gguf`);
  await waitModel(page);
  assert.equal(await page.getAttribute('#model-card', 'data-arch'), 'llama');
  await checkPrediction(page, 'tiny-llama-gguf');
  assert.equal(await page.getAttribute('body', 'data-model-source'), 'network');
  // The next visit reads the file from Cache Storage instead of the network.
  await page.reload();
  await waitModel(page);
  assert.equal(await page.getAttribute('body', 'data-model-source'), 'cache');
  await checkPrediction(page, 'tiny-llama-gguf');
  assert.deepEqual(errors, []);
});

test('a Hugging Face folder URL (tiny Pythia/GPT-NeoX, f16 weights) matches transformers', async () => {
  const { page } = await openPage(env.browser, `${env.server.url}?model=fixtures/tiny-neox/`);
  await waitModel(page);
  assert.equal(await page.getAttribute('#model-card', 'data-arch'), 'gpt_neox');
  await checkPrediction(page, 'tiny-neox');
});

/** Ticks f16 weights: the model reloads with f16 matrices and predicts close to the golden;
 * unticking brings f32 back, exact again. */
async function toggleHalfWeights(page) {
  const toggle = page.locator('#half-weights');
  await toggle.check();
  await page.waitForSelector('#model-card[data-weights="f16"]', { timeout: 300_000 });
  await waitModel(page);
  assert.match(await page.textContent('#model-card'), /f16 matrices/);
  // f16 products round the logits a little (the default model: within 0.04 natively).
  await checkPrediction(page, 'tiny-llama', 0.05);
  await toggle.uncheck();
  await page.waitForSelector('#model-card[data-weights="f32"]', { timeout: 300_000 });
  await checkPrediction(page, 'tiny-llama');
}

test('f16 weights: the checkbox says why not on a GPU without shader-f16, and reloads the model in f16 where it can', async () => {
  const url = `${env.server.url}?model=fixtures/tiny-llama/`;
  const { page, errors } = await openPage(env.browser, url);
  await waitModel(page);
  assert.equal(await page.getAttribute('#model-card', 'data-weights'), 'f32');
  const limits = await page.textContent('#gpu-limits');
  if (/no shader-f16/.test(limits)) {
    // SwiftShader, for one.
    assert.ok(await page.locator('#half-weights').isDisabled(), 'f16 offered on a GPU without shader-f16');
    assert.match(await page.textContent('#precision'), /lacks shader-f16, so weights stay f32/);
  } else {
    await toggleHalfWeights(page);
  }
  assert.deepEqual(errors, []);
  // The CPU backend (no WebGPU) always runs f16 weights: the reload path end to end.
  const noGpu = await launchBrowser({ webgpu: false });
  try {
    const { page: cpu } = await openPage(noGpu, url);
    await waitModel(cpu);
    assert.equal(await cpu.getAttribute('body', 'data-backend'), 'cpu');
    assert.match(await cpu.textContent('#precision'), /slower on the CPU/);
    await toggleHalfWeights(cpu);
  } finally {
    await noGpu.close();
  }
});

test('a truncated GGUF is refused with a clear message and the page keeps working', async () => {
  const { page } = await openPage(env.browser, env.server.url);
  await page.waitForSelector('body[data-backend]');
  const whole = fs.readFileSync(path.join(fixtures, 'tiny-llama.gguf'));
  await page.setInputFiles('#model-files', { name: 'broken.gguf', mimeType: 'application/octet-stream', buffer: whole.subarray(0, 20_000) });
  await page.waitForSelector('body[data-model="error"]');
  assert.match(await page.textContent('#model-error'), /broken\.gguf: file is truncated/);
  // Still usable: a good model loads afterwards.
  await page.setInputFiles('#model-files', path.join(fixtures, 'tiny-llama.gguf'));
  await page.waitForSelector('#model-card[data-arch="llama"]');
});
