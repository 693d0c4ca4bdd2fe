// The hosted page: dist/ served from a sub-path (as GitHub Pages serves a project site), with
// models loaded by their Hub id from a local server laid out like the Hub's
// `{repo}/resolve/{revision}/{file}` URLs (nothing here reaches the network): single-file and
// sharded safetensors, a named GGUF, and the refusals a user meets (404, 401, an architecture
// the page does not run, a malformed id). WebGPU is off here: the other files cover it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setUp, openPage, screenshot, distDir, repoRoot, checkPrediction } from './harness.mjs';

const fixtures = path.join(repoRoot, 'models', 'fixtures');
const planted = fs.readFileSync(path.join(fixtures, 'tiny-llama-planted.jsonl'), 'utf8');
const SUB = '/activscalar-explorer/';
const hubDir = fs.mkdtempSync(path.join(os.tmpdir(), 'activscalar-hub-'));
const TOL = 1e-3;

/** Copies `files` (name → source path or bytes) into the mirror at repo@revision. */
function publish(repo, revision, files) {
  const dir = path.join(hubDir, repo, 'resolve', revision);
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, src] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), typeof src === 'string' ? fs.readFileSync(src) : src);
  }
}

/** Splits a safetensors file into two shards and their index, as transformers writes them. */
function shard(file) {
  const bytes = fs.readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  const names = Object.keys(header).filter((k) => k !== '__metadata__').sort();
  const halves = [names.slice(0, names.length >> 1), names.slice(names.length >> 1)];
  const out = {};
  const weightMap = {};
  halves.forEach((part, i) => {
    const shardName = `model-0000${i + 1}-of-00002.safetensors`;
    const head = {};
    const chunks = [];
    let offset = 0;
    for (const name of part) {
      const t = header[name];
      const [s, e] = t.data_offsets;
      chunks.push(bytes.subarray(8 + n + s, 8 + n + e));
      head[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + e - s] };
      offset += e - s;
      weightMap[name] = shardName;
    }
    const json = Buffer.from(JSON.stringify(head));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    out[shardName] = Buffer.concat([len, json, ...chunks]);
  });
  out['model.safetensors.index.json'] = Buffer.from(JSON.stringify({ metadata: {}, weight_map: weightMap }));
  return out;
}

const llama = (f) => path.join(fixtures, 'tiny-llama', f);
before(() => {
  publish('tiny/llama', 'main', { 'config.json': llama('config.json'), 'tokenizer.json': llama('tokenizer.json'), 'model.safetensors': llama('model.safetensors') });
  publish('tiny/llama-sharded', 'v1', { 'config.json': llama('config.json'), 'tokenizer.json': llama('tokenizer.json'), ...shard(llama('model.safetensors')) });
  publish('tiny/llama-gguf', 'main', { 'tiny-llama.Q8_0.gguf': path.join(fixtures, 'tiny-llama.gguf') });
  const gptj = JSON.stringify({ architectures: ['GPTJForCausalLM'], model_type: 'gptj', n_layer: 2, n_embd: 8, n_head: 2, vocab_size: 16 });
  publish('tiny/gptj', 'main', { 'config.json': Buffer.from(gptj), 'tokenizer.json': llama('tokenizer.json'), 'model.safetensors': llama('model.safetensors') });
});

// The Hub flow does not depend on the backend: the page's CPU backend keeps this file quick.
const env = setUp({ [SUB]: distDir, '/hub/': hubDir, '/hub/private/': 401 }, { webgpu: false });
const hubBase = () => `${env.server.url}hub`;
const pageUrl = (query) => `${env.server.url}${SUB.slice(1)}?hub-base=${encodeURIComponent(hubBase())}&${query}`;

async function waitAttr(page, name, wanted, timeout = 300_000) {
  await page.waitForFunction(
    ([n, w]) => { const v = document.body.getAttribute(n); return v !== null && (v === w || v === 'error'); },
    [name, wanted], { timeout },
  );
  return page.getAttribute('body', name);
}

/** Forgets the last load's outcome, so that the next one is waited for. */
const clearMark = (page) => page.evaluate(() => document.body.removeAttribute('data-model'));

async function expectModel(page) {
  const state = await waitAttr(page, 'data-model', 'ready');
  assert.equal(state, 'ready', state === 'error' ? await page.textContent('#model-error') : 'model not ready');
}

async function expectRefusal(page, pattern) {
  assert.equal(await waitAttr(page, 'data-model', 'ready'), 'error', 'the load must fail');
  assert.match(await page.textContent('#model-error'), pattern);
}


async function heatmapCells(page) {
  return page.$$eval('#heatmap-panel rect.cell', (rs) => rs.map((r) => ({ hook: r.dataset.hook, pos: r.dataset.pos, value: r.dataset.value })));
}

test('from a sub-path: a Hub model by id, task, fit, and a permalink that reopens there with its model', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page, errors } = await openPage(context, pageUrl('hub=tiny/llama'));
  await expectModel(page);
  assert.equal(await page.getAttribute('#model-card', 'data-arch'), 'llama');
  assert.equal(await page.inputValue('#hub-id'), 'tiny/llama');
  for (const f of ['config.json', 'tokenizer.json', 'model.safetensors']) {
    assert.ok(env.server.requests.includes(`/hub/tiny/llama/resolve/main/${f}`), `${f} fetched from the Hub layout`);
  }
  assert.ok(env.server.requests.some((p) => p.startsWith(`${SUB}`) && p.endsWith('.wasm')), 'the page and its worker load from the sub-path');
  await checkPrediction(page, 'tiny-llama', TOL);

  await page.selectOption('#task-kind', 'custom');
  await page.fill('#custom-rows', planted);
  await page.click('#check-task');
  assert.equal(await waitAttr(page, 'data-task', 'ready'), 'ready');
  for (const [id, v] of [['#lambda-m', '0.001'], ['#lambda-f', '0.2'], ['#lr', '0.1'], ['#steps', '20']]) {
    await page.fill(id, v);
    await page.dispatchEvent(id, 'change');
  }
  await page.click('#run-fit');
  assert.equal(await waitAttr(page, 'data-fit', 'done'), 'done');
  const cells = await heatmapCells(page);
  assert.equal(cells.length, 24);
  await screenshot(page, 'hosted-hub-model');

  await page.click('#share');
  const link = await page.inputValue('#permalink');
  assert.ok(link.startsWith(`${env.server.url}${SUB.slice(1)}`), `the link keeps the sub-path: ${link}`);
  const other = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page: p2, errors: e2 } = await openPage(other, link);
  assert.equal(await waitAttr(p2, 'data-permalink', 'ready'), 'ready');
  assert.deepEqual(await heatmapCells(p2), cells, 'the same heatmap from the link');
  assert.deepEqual(e2, []);
  await other.close();

  // The link carries its model: opened with no model named, it loads tiny/llama from the Hub
  // by itself, checks the weights' hash and puts the result on the β dial.
  const bare = `${env.server.url}${SUB.slice(1)}?hub-base=${encodeURIComponent(hubBase())}#${link.split('#')[1]}`;
  const third = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page: p3, errors: e3 } = await openPage(third, bare);
  assert.equal(await waitAttr(p3, 'data-permalink', 'ready'), 'ready');
  assert.match(await p3.textContent('#share-panel'), /Loading tiny\/llama@main from the Hub/);
  await expectModel(p3);
  await p3.waitForSelector('body[data-steer]');
  await screenshot(p3, 'hosted-link-carries-model');
  assert.deepEqual(e3, []);
  await third.close();
  assert.deepEqual(errors, []);
  await context.close();
});

test('sharded safetensors at a revision, and a named GGUF file, load from the Hub', async () => {
  const { page, errors } = await openPage(env.browser, pageUrl('hub=tiny/llama-sharded@v1'));
  await expectModel(page);
  for (const f of ['model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']) {
    assert.ok(env.server.requests.includes(`/hub/tiny/llama-sharded/resolve/v1/${f}`), f);
  }
  await checkPrediction(page, 'tiny-llama', TOL);

  // The form: a GGUF repository and its file.
  await page.fill('#hub-id', 'tiny/llama-gguf');
  await page.fill('#hub-file', 'tiny-llama.Q8_0.gguf');
  await clearMark(page);
  await page.click('#hub-load');
  await expectModel(page);
  assert.ok(env.server.requests.includes('/hub/tiny/llama-gguf/resolve/main/tiny-llama.Q8_0.gguf'));
  assert.match(await page.textContent('#model-card'), /llama/i);
  await screenshot(page, 'hosted-hub-gguf');
  assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.close();
});

test('Hub refusals say why and keep the model and the result shown', async () => {
  const { page } = await openPage(env.browser, pageUrl('hub=tiny/llama'));
  await expectModel(page);
  const card = await page.textContent('#model-card');
  // A result on the page first (a short fit): no refusal below may touch it.
  await page.selectOption('#task-kind', 'custom');
  await page.fill('#custom-rows', planted);
  await page.fill('#steps', '3');
  await page.dispatchEvent('#steps', 'change');
  await page.click('#run-fit');
  assert.equal(await waitAttr(page, 'data-fit', 'done'), 'done');
  const cells = await heatmapCells(page);
  assert.equal(cells.length, 24);

  const tryLoad = async (id, file = '') => {
    await page.fill('#hub-id', id);
    await page.fill('#hub-file', file);
    await clearMark(page);
    await page.click('#hub-load');
  };
  await tryLoad('tiny/missing');
  await expectRefusal(page, /tiny\/missing@main: config\.json was not found \(HTTP 404\)/);
  await tryLoad('private/model');
  await expectRefusal(page, /private or gated/);
  const before = env.server.requests.length;
  await tryLoad('tiny/gptj');
  await expectRefusal(page, /GPTJForCausalLM.*supported: gpt2, gpt_neox/);
  assert.ok(!env.server.requests.slice(before).some((p) => p.endsWith('model.safetensors')), 'no weights downloaded for an architecture the page does not run');
  await tryLoad('not an id');
  await expectRefusal(page, /not a Hub model id/);
  await tryLoad('tiny/llama', 'weights.bin');
  await expectRefusal(page, /only a \.gguf file/);
  assert.equal(await page.textContent('#model-card'), card, 'the loaded model stays');
  assert.deepEqual(await heatmapCells(page), cells, 'the shown result stays');
  await page.close();

  // A bad ?hub-base= is refused with the reason.
  const { page: p2 } = await openPage(env.browser, `${env.server.url}${SUB.slice(1)}?hub-base=javascript:alert(1)&hub=tiny/llama`);
  await expectRefusal(p2, /is not a Hub address/);
  await p2.close();
});
