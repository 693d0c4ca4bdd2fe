// Shared harness for the browser tests: a static server for dist/ and a headless Chromium
// with WebGPU (SwiftShader on the CPU). Never downloads a browser.
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const distDir = path.join(repoRoot, 'dist');
export const artifactsDir = path.join(here, 'artifacts');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The headers that make a page cross-origin isolated (what shared WebAssembly memory needs). */
export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/**
 * Serves `roots` (url prefix → directory, or → an HTTP status to answer with) on 127.0.0.1 at
 * `port` (default: a free one); `requests` lists the paths asked for. `isolated` sends
 * {@link ISOLATION_HEADERS} with every file, as a host set up for the multi-threaded worker does.
 */
export async function startServer(roots = { '/': distDir }, { isolated = false, port = 0 } = {}) {
  const prefixes = Object.keys(roots).sort((a, b) => b.length - a.length);
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    requests.push(url.pathname);
    const prefix = prefixes.find((p) => url.pathname.startsWith(p));
    if (prefix === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    if (typeof roots[prefix] === 'number') {
      res.writeHead(roots[prefix]).end(`status ${roots[prefix]}`);
      return;
    }
    let rel = decodeURIComponent(url.pathname.slice(prefix.length));
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(roots[prefix], rel);
    if (!file.startsWith(path.resolve(roots[prefix])) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'content-length': fs.statSync(file).size,
      ...(isolated ? ISOLATION_HEADERS : {}),
    });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = server.address().port;
  return { url: `http://127.0.0.1:${bound}/`, requests, close: () => new Promise((r) => server.close(r)) };
}

/**
 * Headless Debian Chromium with WebGPU enabled (SwiftShader when there is no GPU).
 *
 * With WebGPU, every page of the browser asks for it by the page's own setting (Engine → "Run
 * on", saved in localStorage), since the page by default keeps off a software adapter such as
 * SwiftShader: these tests exercise the WebGPU backend on the emulator. `backend: 'auto'` (or
 * 'cpu') sets that choice instead; `backend: null` leaves the page's default.
 */
export async function launchBrowser({ webgpu = true, backend = webgpu ? 'webgpu' : null } = {}) {
  const args = [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
  ];
  if (webgpu) args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader');
  else args.push('--disable-webgpu', '--disable-gpu');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args,
  });
  if (backend) {
    // browser.newPage makes its context through newContext, so both get the setting.
    const newContext = browser.newContext.bind(browser);
    browser.newContext = async (options) => {
      const context = await newContext(options);
      await context.addInitScript((choice) => localStorage.setItem('activscalar.backend', choice), backend);
      return context;
    };
  }
  return browser;
}

/**
 * Starts a server for `roots` and a browser before the file's tests and closes both after;
 * returns an object whose `server` and `browser` are set once the tests run.
 */
export function setUp(roots = { '/': distDir }, browserOptions = {}) {
  const env = {};
  before(async () => {
    env.server = await startServer(roots);
    env.browser = await launchBrowser(browserOptions);
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/**
 * Records in `window.__longest` the longest task the page's thread runs over the whole visit
 * (Long Tasks API: tasks of 50 ms or more); read it with {@link longestTask}.
 */
export async function recordLongestTask(context) {
  await context.addInitScript(() => {
    window.__longest = 0;
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** The longest task (ms) on `page`'s thread so far, as recorded by {@link recordLongestTask}. */
export const longestTask = (page) => page.evaluate(() => window.__longest);

/** Opens `url` in a fresh page that records console errors, returns { page, errors }. */
export async function openPage(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // A software GPU compiles kernels on the page's thread: clicks may wait that long.
  page.setDefaultTimeout(300_000);
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(url);
  return { page, errors };
}

/** Saves a screenshot under tests/browser/artifacts/. */
export async function screenshot(page, name) {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The transformers golden `tests/parity/goldens/NAME.json`. */
export function golden(name) {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'tests', 'parity', 'goldens', `${name}.json`), 'utf8'));
}

/** Predicts golden `name`'s first prompt on the page and checks the shown top-10 logits (and
 * the top-1 token) against it within `tol`. */
export async function checkPrediction(page, name, tol) {
  const g = golden(name).prompts[0];
  await page.fill('#prompt', g.text);
  // A prediction shown before (e.g. of the model before a reload) must not count.
  await page.evaluate(() => document.body.removeAttribute('data-prediction'));
  await page.click('#predict');
  await page.waitForSelector('body[data-prediction="ready"]');
  const rows = await page.$$eval('#prediction tbody tr', (trs) =>
    trs.map((tr) => ({ id: Number(tr.dataset.id), logit: Number(tr.dataset.logit) })),
  );
  assert.equal(rows.length, 10);
  const argmax = g.last_logits.indexOf(Math.max(...g.last_logits));
  assert.equal(rows[0].id, argmax, 'top-1 token');
  for (const r of rows) {
    const d = Math.abs(r.logit - g.last_logits[r.id]);
    assert.ok(d < tol, `token ${r.id}: ${r.logit} vs golden ${g.last_logits[r.id]} (|Δ| ${d})`);
  }
}
