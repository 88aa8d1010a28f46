// A static file server for a built site, under a sub-path (every URL of the site must be relative):
// GET <url>PATH serves DIR/PATH; anything outside DIR or missing is a 404.
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.jsonl': 'application/jsonl',
  '.safetensors': 'application/octet-stream',
  '.wasm': 'application/wasm',
};

/** Serves `dir` at http://localhost:PORT/`prefix`/ (localhost: a secure context, as WebGPU needs). */
export function serveDir(dir: string, prefix = 'site'): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '').split('?')[0]);
    const rel = normalize(path.slice(`/${prefix}/`.length) || 'index.html');
    const file = join(dir, rel);
    if (
      !path.startsWith(`/${prefix}/`) ||
      rel.startsWith('..') ||
      !statSync(file, { throwIfNoEntry: false })?.isFile()
    ) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve({ server, url: `http://localhost:${typeof addr === 'object' && addr ? addr.port : 0}/${prefix}/` });
    }),
  );
}
