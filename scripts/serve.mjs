// Serves www/ on localhost with the right MIME types (application/wasm, JS modules) and prints the URL.
//
//   node scripts/serve.mjs [--port 8080] [--host 127.0.0.1] [--quiet]
//
// Used by `./dev serve` and by the end-to-end tests (startServer). Port 0 picks a free port; a busy
// port moves on to the next one, so a second copy still starts.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WWW = resolve(fileURLToPath(new URL('../www', import.meta.url)));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.gz': 'application/gzip',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.d.ts': 'text/plain; charset=utf-8',
};

function handler(root, csp) {
  return (req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    let stat;
    try {
      stat = statSync(file);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    if (stat.isDirectory()) {
      res.writeHead(301, { location: path + '/' }).end();
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': stat.size,
      'cache-control': 'no-cache',
      // Cross-origin isolation: precise timers in the worker and room for threaded builds later.
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      // The widget's frame page is made to be embedded by other sites, even isolated ones.
      'cross-origin-resource-policy': path === '/embed/frame.html' ? 'cross-origin' : 'same-origin',
      // A site may serve the page under a strict Content-Security-Policy; the tests check it works there.
      ...(csp ? { 'content-security-policy': csp } : {}),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  };
}

/** Starts the server; resolves to { server, url }. `csp`: a Content-Security-Policy header for every file. */
export function startServer({ port = 8080, host = '127.0.0.1', root = WWW, csp = null } = {}) {
  return new Promise((resolvePromise, reject) => {
    const server = createServer(handler(root, csp));
    let attempt = port;
    server.on('error', (err) => {
      if (err.code === 'EADDRINUSE' && port !== 0 && attempt < port + 20) {
        attempt += 1;
        server.listen(attempt, host);
      } else {
        reject(err);
      }
    });
    server.on('listening', () => {
      const { port: actual } = server.address();
      resolvePromise({ server, url: `http://${host}:${actual}/` });
    });
    server.listen(attempt, host);
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const { url } = await startServer({
    port: Number(opt('port', process.env.PORT ?? 8080)),
    host: opt('host', '127.0.0.1'),
  });
  console.log(`nn-playground is being served at ${url}  (Ctrl+C stops it)`);
}
