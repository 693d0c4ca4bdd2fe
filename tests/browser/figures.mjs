// Figures for docs/RESULTS.md, taken from the page itself: for each saved result (a JSON file
// written by `activscalar fit`), the page opens on the default model (its CPU backend), imports
// the result, and saves its heatmap and its β dose-response on the result's test prompts as PNGs.
// For NAME=sweep:A.json+B.json… it imports those sweep files (`activscalar sweep`) and saves
// the trade-off charts (NAME-tradeoff.png) and the last one's drop-out order (NAME-dropout.png).
//   node tests/browser/figures.mjs OUT_DIR NAME=RESULT.json|NAME=sweep:A.json+B.json [...]
// (scripts/figures.sh builds the page and the model first.)
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, openPage } from './harness.mjs';

const [outDir, ...specs] = process.argv.slice(2);
if (!outDir || specs.length === 0 || specs.some((s) => !s.includes('='))) {
  console.error('usage: node tests/browser/figures.mjs OUT_DIR NAME=RESULT.json [...]');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });

/** Waits until <body> carries `name` = `wanted` (fails on "error", with the page's text). */
async function waitMark(page, name, wanted) {
  await page.waitForFunction(
    ([n, w]) => [w, 'error'].includes(document.body.getAttribute(n)),
    [name, wanted], { timeout: 1_800_000 },
  );
  const v = await page.getAttribute('body', name);
  if (v !== wanted) throw new Error(`${name}=${v}: ${(await page.textContent('main')).slice(0, 1500)}`);
}

/** Imports the sweep files and saves the trade-off charts and the drop-out order. */
async function sweepFigures(page, name, files) {
  for (const f of files) {
    await page.evaluate(() => document.body.removeAttribute('data-import'));
    await page.setInputFiles('#import-sweep', path.resolve(f));
    await waitMark(page, 'data-import', 'sweep');
    console.log(`${name}: imported ${f}`);
  }
  for (const [part, sel] of [['tradeoff', '#sweep-panel .charts'], ['dropout', '#dropout-chart']]) {
    const out = path.join(outDir, `${name}-${part}.png`);
    await page.locator(sel).screenshot({ path: out });
    console.log(`${name}: ${out}`);
  }
}

const server = await startServer();
const browser = await launchBrowser({ webgpu: false });
try {
  for (const spec of specs) {
    const [name, file] = spec.split('=');
    const started = Date.now();
    // Sweep charts are small on the page: drawn at twice the pixel density.
    const scale = file.startsWith('sweep:') ? 2 : 1;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: scale });
    const { page, errors } = await openPage(context, server.url);
    const step = (what) => console.log(`${name}: ${what} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    await page.waitForSelector('body[data-backend]');
    if (file.startsWith('sweep:')) {
      await sweepFigures(page, name, file.slice('sweep:'.length).split('+'));
      if (errors.length) throw new Error(`console errors: ${errors.join('; ')}`);
      await context.close();
      continue;
    }
    await page.click('#load-default');
    await waitMark(page, 'data-model', 'ready');
    step('model loaded');
    await page.setInputFiles('#import-json', path.resolve(file));
    await waitMark(page, 'data-import', 'ready');
    step('result imported');
    try {
      await page.waitForSelector('body[data-steer]', { timeout: 600_000 });
    } catch (e) {
      await page.screenshot({ path: path.join(outDir, `${name}-stuck.png`), fullPage: true });
      throw e;
    }
    step('β dial ready');
    const heatmap = path.join(outDir, `${name}-heatmap.png`);
    await page.locator('#heatmap-panel').screenshot({ path: heatmap });
    console.log(`${name}: ${heatmap}`);
    await page.click('#draw-curve');
    await waitMark(page, 'data-curve', 'ready');
    const dose = path.join(outDir, `${name}-dose-response.png`);
    await page.locator('#dose-response').screenshot({ path: dose });
    console.log(`${name}: ${dose} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    if (errors.length) throw new Error(`console errors: ${errors.join('; ')}`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
