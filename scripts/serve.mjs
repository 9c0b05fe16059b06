// Serves www/ on localhost with the right MIME types (application/wasm, JS modules) and prints the URL.
//
//   node scripts/serve.mjs [--port 8080] [--host 127.0.0.1] [--root www] [--prefix /]
//
// Used by `./dev serve` and by the end-to-end tests (startServer). Port 0 picks a free port; a busy
// port moves on to the next one, so a second copy still starts. `--root dist/site --prefix
// /docs/playground/` serves a static build (`./dev dist`) under a sub-path, as a host would.
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

function handler(root, csp, prefix, cors, isolated) {
  return (req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    // Under a prefix, only its paths exist (the sub-path without its slash goes to the sub-path).
    if (prefix !== '/') {
      if (path === prefix.slice(0, -1)) {
        res.writeHead(301, { location: prefix }).end();
        return;
      }
      if (!path.startsWith(prefix)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
        return;
      }
      path = path.slice(prefix.length - 1);
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
      res.writeHead(301, { location: prefix.slice(0, -1) + path + '/' }).end();
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': stat.size,
      'cache-control': 'no-cache',
      // Cross-origin isolation: shared memory for a run's workers, and precise timers.
      ...(isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {}),
      // The widget's frame page is made to be embedded by other sites, even isolated ones.
      // With `cors`, every file may be used by pages of other origins (the widget's module from a second origin).
      'cross-origin-resource-policy': cors || path === '/embed/frame.html' ? 'cross-origin' : 'same-origin',
      ...(cors ? { 'access-control-allow-origin': '*' } : {}),
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

/**
 * Starts the server; resolves to { server, url } (`url` ends with the prefix). `csp`: a
 * Content-Security-Policy header for every file. `root`: the folder served; `prefix`: the sub-path
 * it is served under ('/docs/playground/'); `cors`: let pages of any origin read every file;
 * `isolated: false`: serve without cross-origin isolation, as a host that does not set its headers.
 */
export function startServer({ port = 8080, host = '127.0.0.1', root = WWW, csp = null, prefix = '/', cors = false, isolated = true } = {}) {
  if (!prefix.startsWith('/') || !prefix.endsWith('/')) throw new Error(`the prefix must start and end with '/', got ${prefix}`);
  return new Promise((resolvePromise, reject) => {
    const server = createServer(handler(resolve(root), csp, prefix, cors, isolated));
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
      resolvePromise({ server, url: `http://${host}:${actual}${prefix}` });
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
    root: opt('root', WWW),
    prefix: opt('prefix', '/'),
  });
  console.log(`nn-playground is being served at ${url}  (Ctrl+C stops it)`);
}
