// Serves dist/ the way a host set up for the multi-threaded worker does: every file with the
// cross-origin isolation headers (used by `scripts/serve.sh --threads`).
//   node tests/browser/serve.mjs [--port 8080]
import { startServer, distDir } from './harness.mjs';

const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : 8080;
const server = await startServer({ '/': distDir }, { isolated: true, port });
console.log(`serving ${distDir} cross-origin isolated on ${server.url}`);
