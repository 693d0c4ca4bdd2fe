// Time to an interactive default model in the page (docs/BENCHMARKS.md):
// opens dist/?bench in headless Chromium, waits for the model, reloads (the model then comes
// from Cache Storage) and prints both times as the page measured them (navigation start →
// model ready). `--webgpu` uses SwiftShader's emulated WebGPU (adds kernel compilation on the
// CPU); the default is the page's CPU backend, i.e. everything but the GPU's share.
//   node tests/bench/page-load.mjs [--webgpu] [--visits N]
import { launchBrowser, startServer, distDir } from '../browser/harness.mjs';

const webgpu = process.argv.includes('--webgpu');
const i = process.argv.indexOf('--visits');
const visits = i > 0 ? Number(process.argv[i + 1]) : 3;
const server = await startServer({ '/': distDir });
const browser = await launchBrowser({ webgpu });
const page = await (await browser.newContext()).newPage();
page.setDefaultTimeout(15 * 60 * 1000);
for (let v = 1; v <= visits; v++) {
  if (v === 1) await page.goto(`${server.url}?bench`);
  else await page.reload();
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.model));
  const ready = await page.textContent('#bench-ready');
  const body = await page.evaluate(() => ({ ...document.body.dataset }));
  console.log(`visit ${v}: ${(ready ?? '(no timing: the model did not load)').trim()} (backend ${body.backend}, model ${body.model}, source ${body.modelSource ?? '?'})`);
}
await browser.close();
await server.close();
