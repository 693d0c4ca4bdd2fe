// The explorer's flows in a real browser (headless Chromium, WebGPU on SwiftShader) with the
// tiny Llama fixture: define a task, fit it live, read the heatmap, turn the β dial, share a
// permalink, export / import, autosave, and a λ_M sweep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setUp, openPage, screenshot, distDir, repoRoot, artifactsDir } from './harness.mjs';

const fixtures = path.join(repoRoot, 'models', 'fixtures');
const planted = fs.readFileSync(path.join(fixtures, 'tiny-llama-planted.jsonl'), 'utf8');
const LAYERS = 2;
const POSITIONS = 6;

const env = setUp({ '/': distDir, '/fixtures/': fixtures });
/** The fitted page of the first test, reused by the second. */
let fitted;

const pageUrl = () => `${env.server.url}?model=fixtures/tiny-llama/`;

async function waitAttr(page, name, wanted, timeout = 300_000) {
  await page.waitForFunction(
    ([n, w]) => { const v = document.body.getAttribute(n); return v !== null && (w === undefined || v === w || v === 'error'); },
    [name, wanted], { timeout },
  );
  const v = await page.getAttribute('body', name);
  if (wanted !== undefined) assert.equal(v, wanted, `${name}=${v}: ${await page.textContent('main')}`.slice(0, 2000));
  return v;
}

async function heatmapCells(page) {
  return page.$$eval('#heatmap-panel rect.cell', (rs) => rs.map((r) => ({ hook: r.dataset.hook, pos: r.dataset.pos, value: r.dataset.value })));
}

async function setBeta(page, beta) {
  await page.$eval('#beta', (el, b) => {
    el.value = String(b);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, beta);
  await waitAttr(page, 'data-steer', beta.toFixed(2));
  return Number(await page.getAttribute('#p-correct', 'data-prob'));
}

/** Opens the page on the tiny model and runs the planted fit (shared by the tests below). */
async function fitPlanted(context) {
  const { page, errors } = await openPage(context, pageUrl());
  await waitAttr(page, 'data-model', 'ready');
  await page.selectOption('#task-kind', 'custom');
  await page.fill('#custom-rows', planted);
  await page.click('#check-task');
  await waitAttr(page, 'data-task', 'ready');
  assert.match(await page.textContent('#task-check'), /6 train, 2 validation, 8 test/);
  // The settings core/tests/planted_fixture.rs checks natively.
  for (const [id, v] of [['#lambda-m', '0.001'], ['#lambda-f', '0.2'], ['#lr', '0.1'], ['#steps', '50']]) {
    await page.fill(id, v);
    await page.dispatchEvent(id, 'change');
  }
  await page.click('#run-fit');
  await waitAttr(page, 'data-fit', 'done');
  return { page, errors };
}

test('a fit flips the planted task, draws named heatmap cells, and the β dial moves the answer', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const { page, errors } = await fitPlanted(context);

  const flips = await page.$$eval('#result-table tr[data-split="train"] td', (tds) => tds.map((td) => td.textContent));
  assert.equal(flips[3], '100.0 %', `train flips at β=+1: ${flips}`);
  assert.equal(flips[4], '100.0 %', `train flips at β=−1: ${flips}`);
  const curvePoints = await page.$eval('#flip-chart polyline', (p) => p.getAttribute('points').split(' ').length);
  assert.ok(curvePoints >= 10, 'live flip curve drawn');

  const cells = await heatmapCells(page);
  assert.equal(cells.length, 2 * LAYERS * POSITIONS);
  for (let l = 0; l < LAYERS; l++) {
    for (const site of ['attn_out', 'mlp_out']) {
      assert.equal(cells.filter((c) => c.hook === `blocks.${l}.hook_${site}`).length, POSITIONS);
    }
  }
  await page.hover(`#heatmap-panel rect.cell[data-hook="blocks.1.hook_mlp_out"][data-pos="${POSITIONS - 1}"]`);
  assert.match(await page.textContent('#heatmap-hover'), /^blocks\.1\.hook_mlp_out · position 5 ".+" · α = /);
  // Keyboard: each heatmap is one tab stop; arrow keys walk its cells and name them.
  await page.focus('#heatmap-panel figure[data-site="mlp_out"] rect.cell[tabindex="0"]');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  assert.match(await page.textContent('#heatmap-hover'), /^blocks\.1\.hook_mlp_out · position 5 /);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.layer), '1');

  // β dial: the correct answer's probability moves with β, and β = 0 is the base model.
  await waitAttr(page, 'data-steer');
  const pPlus = await setBeta(page, 2);
  const pMinus = await setBeta(page, -2);
  const pZero = await setBeta(page, 0);
  assert.ok(pPlus > pZero && pZero > pMinus, `p(correct) at β=2,0,−2: ${pPlus} ${pZero} ${pMinus}`);
  const baseMark = await page.$eval('#p-correct .base-mark', (e) => parseFloat(e.style.left));
  assert.ok(Math.abs(baseMark - 100 * pZero) < 0.06, `β = 0 mark at ${baseMark}%, p = ${pZero}`);
  // A cell whose effect the fit did not measure is measured on demand when clicked.
  const measurable = await page.$$eval('#heatmap-panel rect.cell[data-measurable="true"]',
    (rs) => rs.map((r) => ({ hook: r.dataset.hook, pos: r.dataset.pos })));
  assert.ok(measurable.length >= 1, 'some non-zero cells are left unmeasured by the fit');
  const measuredBefore = await page.$$eval('#top-sites tbody tr', (r) => r.length);
  const { hook, pos } = measurable[0];
  const cellSel = `#heatmap-panel rect.cell[data-hook="${hook}"][data-pos="${pos}"]`;
  await page.click(cellSel);
  await waitAttr(page, 'data-effects', 'ready', 120_000);
  await page.focus(cellSel);
  assert.match(await page.textContent('#heatmap-hover'), /zeroing it moves mean LD by [+-]\d/);
  assert.equal(await page.$eval(cellSel, (r) => r.dataset.measurable ?? null), null);
  const rows = await page.$$eval('#top-sites tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.equal(rows.length, Math.min(12, measuredBefore + 1));
  assert.ok(rows.some((r) => r[0] === hook && r[1] === pos), `${hook} @ ${pos} in ${JSON.stringify(rows)}`);

  await setBeta(page, 2);
  await page.click('#continue');
  await waitAttr(page, 'data-continuation', 'ready', 120_000);
  assert.equal(await page.$$eval('#continuation dd', (d) => d.length), 2);
  // The dose-response: p(correct) rises with β and crosses the base model's at β = 0.
  await page.click('#draw-curve');
  await waitAttr(page, 'data-curve', 'ready', 120_000);
  const pCorrect = await page.$$eval('#dose-p polyline', (ls) => ls[0].getAttribute('points').split(' ').map((xy) => Number(xy.split(',')[1])));
  assert.equal(pCorrect.length, 17);
  assert.ok(pCorrect[16] < pCorrect[0], `p(correct) drawn higher at β = 2 than at β = −2 (SVG y grows downwards): ${pCorrect}`);
  await screenshot(page, 'explorer-fit');
  assert.deepEqual(errors, []);
  fitted = { context, page, cells };
});

test('a λ_M sweep on the same task draws the trade-off curve and the drop-out order', async () => {
  assert.ok(fitted, 'needs the fitted page of the first test');
  const { page } = fitted;
  for (const [id, v] of [['#grid-min', '0.001'], ['#grid-max', '0.1'], ['#grid-points', '3'], ['#sweep-steps', '15']]) {
    await page.fill(id, v);
    await page.dispatchEvent(id, 'change');
  }
  await page.click('#run-sweep');
  await waitAttr(page, 'data-sweep', 'done');
  assert.equal(await page.$$eval('#tradeoff-acc circle', (c) => c.length), 3);
  const bars = await page.$$eval('#dropout-chart .bar-row', (r) => r.map((x) => x.dataset.hook));
  assert.ok(bars.length >= 1 && bars.every((h) => /^blocks\.\d\.hook_(attn|mlp)_out$/.test(h)), String(bars));
  const chosen = await page.textContent('#sweep-chosen');
  assert.match(chosen, /activscalar · custom · split seed \d+: (chosen on validation .* λ_M = \d|no point reaches 95 % validation flips)/);
  await screenshot(page, 'explorer-sweep');

  // Export → import in a fresh browser: the same chart and choice; a file whose grid and
  // points disagree is refused, and the chart keeps what it had.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#sweep-chosen button')]);
  const sweepPath = path.join(artifactsDir, 'sweep.json');
  await dl.saveAs(sweepPath);
  const other = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page: p2, errors: e2 } = await openPage(other, env.server.url);
  const dots = (pg) => pg.$$eval('#tradeoff-acc circle', (c) => c.map((x) => [x.getAttribute('cx'), x.getAttribute('cy')]));
  await p2.setInputFiles('#import-sweep', sweepPath);
  await waitAttr(p2, 'data-import', 'sweep');
  assert.deepEqual(await dots(p2), await dots(page));
  assert.equal(await p2.textContent('#sweep-chosen'), chosen);
  assert.match(await p2.textContent('#sweep-message'), /Imported sweep\.json to the trade-off chart: activscalar · custom/);
  const bad = JSON.parse(fs.readFileSync(sweepPath, 'utf8'));
  bad.grid[1] *= 3;
  await p2.setInputFiles('#import-sweep', { name: 'edited.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
  await waitAttr(p2, 'data-import', 'error');
  assert.match(await p2.textContent('#sweep-error'), /edited\.json, sweep 1: point 2 was fitted at λ_M = .*, not at its grid value/);
  assert.deepEqual(await dots(p2), await dots(page));
  // The share card's *Import JSON…* takes a sweep file too (the mark is cleared first: it
  // still says "error" from the refused file).
  await p2.evaluate(() => document.body.removeAttribute('data-import'));
  await p2.setInputFiles('#import-json', sweepPath);
  await waitAttr(p2, 'data-import', 'sweep');
  assert.equal(await p2.$$eval('#tradeoff-acc circle', (c) => c.length), 3);
  assert.deepEqual(e2, []);
  await other.close();
});

test('permalink, export/import and autosave restore identical parameters and heatmap', async () => {
  assert.ok(fitted, 'needs the fit of the previous test');
  const { context, page, cells } = fitted;
  const table = await page.textContent('#result-table');

  // Permalink: a fresh browser (no storage) opens the link and shows the same result.
  await page.click('#share');
  const link = await page.inputValue('#permalink');
  assert.match(link, /#r=as1\./);
  const other = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page: p2, errors: e2 } = await openPage(other, link);
  await waitAttr(p2, 'data-permalink', 'ready');
  assert.deepEqual(await heatmapCells(p2), cells, 'heatmap from the link (values bit-exact)');
  assert.equal(await p2.textContent('#result-table'), table);
  assert.equal(await p2.inputValue('#custom-rows').then((t) => t.split('\n').length), 16, 'task restored');
  await waitAttr(p2, 'data-model', 'ready');
  await waitAttr(p2, 'data-steer');
  await screenshot(p2, 'explorer-permalink');
  assert.deepEqual(e2, []);
  await other.close();

  // JSON export → import in a fresh browser; safetensors export carries TransformerLens names.
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const jsonPath = path.join(artifactsDir, 'result.json');
  fs.mkdirSync(artifactsDir, { recursive: true });
  await json.saveAs(jsonPath);
  const [st] = await Promise.all([page.waitForEvent('download'), page.click('#export-safetensors')]);
  const stPath = path.join(artifactsDir, 'theta.safetensors');
  await st.saveAs(stPath);
  const bytes = fs.readFileSync(stPath);
  const headerLen = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8'));
  assert.deepEqual(header['blocks.1.hook_mlp_out.alpha'].shape, [POSITIONS]);
  assert.equal(header.__metadata__.formula, 'h * (1 + beta * alpha)');
  const [s, e] = header['blocks.1.hook_mlp_out.alpha'].data_offsets;
  const alpha = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8 + headerLen + s, bytes.byteOffset + 8 + headerLen + e));
  const shown = cells.filter((c) => c.hook === "blocks.1.hook_mlp_out").map((c) => Math.fround(Number(c.value)));
  assert.deepEqual(Array.from(alpha), shown);

  const third = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page: p3 } = await openPage(third, env.server.url);
  await p3.setInputFiles('#import-json', jsonPath);
  await waitAttr(p3, 'data-import', 'ready');
  assert.deepEqual(await heatmapCells(p3), cells, 'heatmap from the imported file');
  // A file that is not a result is refused and the shown result stays.
  await p3.setInputFiles('#import-json', { name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}') });
  await waitAttr(p3, 'data-import', 'error');
  assert.match(await p3.textContent('#share-error'), /notes\.json is not an ActivScalar result file/);
  assert.deepEqual(await heatmapCells(p3), cells);
  await third.close();

  // Autosave: a reload of the fitting tab brings the result back.
  await page.goto(env.server.url);
  await waitAttr(page, 'data-restored', 'yes');
  assert.deepEqual(await heatmapCells(page), cells);

  // A damaged link opened in the same browser is refused, and the user's own last fit is shown.
  const { page: p4, errors: e4 } = await openPage(context, `${env.server.url}#r=as1.eJzLSM3JyVcozy_KSQEAGgQEXQ`);
  await waitAttr(p4, 'data-permalink', 'error');
  await waitAttr(p4, 'data-restored', 'yes');
  assert.match(await p4.textContent('#share-error'), /damaged or incomplete.*Restored your last fit/s);
  assert.deepEqual(await heatmapCells(p4), cells);
  // A kept fit that no longer validates (θ's values cut short) is named and not drawn.
  await p4.evaluate(() => {
    const r = JSON.parse(localStorage.getItem('activscalar.last-fit'));
    r.theta.values = [[0.5]];
    localStorage.setItem('activscalar.last-fit', JSON.stringify(r));
  });
  await p4.goto(env.server.url);
  await waitAttr(p4, 'data-restored', 'refused');
  assert.match(await p4.textContent('#share-error'), /last fit kept in this browser could not be restored: .*theta\.values/);
  assert.equal(await p4.$('#heatmap-panel'), null, 'no result shown');
  await p4.waitForSelector('#load-default:not([disabled])');
  assert.deepEqual(e4, []);
  await context.close();
});

test('a damaged permalink says so and the page still works', async () => {
  const context = await env.browser.newContext();
  const { page, errors } = await openPage(context, `${env.server.url}#r=as1.eJzLSM3JyVcozy_KSQEAGgQEXQ`);
  await waitAttr(page, 'data-permalink', 'error');
  assert.match(await page.textContent('#share-error'), /damaged or incomplete/);
  assert.equal(await page.$('#heatmap-panel'), null, 'no result shown');
  await page.waitForSelector('#load-default:not([disabled])');
  assert.deepEqual(errors, []);
  await context.close();
});

