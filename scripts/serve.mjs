// Static file server for dist/: `node scripts/serve.mjs [dir] [port] [--base /sub/path/]`.
// Serves the built page (npm start) and, in tests, the same files under a sub-path as GitHub Pages does.
import http from 'node:http';
import sirv from 'sirv';

export function serveStatic({ dir = 'dist', port = 8080, host = '127.0.0.1', base = '/' } = {}) {
  const files = sirv(dir, { dev: true, etag: true });
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith(base)) { res.statusCode = 404; res.end('Not found'); return; }
    req.url = '/' + url.slice(base.length);
    files(req, res, () => { res.statusCode = 404; res.end('Not found'); });
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const baseAt = args.indexOf('--base');
  const base = baseAt >= 0 ? args.splice(baseAt, 2)[1] : '/';
  const [dir = 'dist', port = '8080'] = args;
  const server = await serveStatic({ dir, port: Number(port), host: 'localhost', base });
  const { port: bound } = server.address();
  console.log(`Tincan is served at http://localhost:${bound}${base}  (Ctrl+C stops it)`);
}
