/**
 * A stand-in for the rendering service, for local runs (`npm start`) and tests: on 127.0.0.1,
 * `GET /render?url=<page>` answers synthetic HTML for the page. Page paths that end in
 * `/missing` answer 404, `/busy` 503 with `Retry-After: 7`, `/broken` 500, so the function's
 * failure handling can be seen end to end.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalRenderer {
  /** The RENDERER_URL for html-backup. */
  readonly url: string;
  /** Pages requested so far, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function startLocalRenderer(options: { port?: number } = {}): Promise<LocalRenderer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const requestUrl = new URL(req.url ?? '/', 'http://127.0.0.1');
    const page = requestUrl.searchParams.get('url');
    if (req.method !== 'GET' || requestUrl.pathname !== '/render' || !page) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('use GET /render?url=<page>');
      return;
    }
    requests.push(page);
    let path = '';
    try {
      path = new URL(page).pathname;
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('url is not a URL');
      return;
    }
    if (path.endsWith('/missing')) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    else if (path.endsWith('/busy')) res.writeHead(503, { 'retry-after': '7' }).end('purging cache');
    else if (path.endsWith('/broken'))
      res.writeHead(500, { 'content-type': 'text/plain' }).end('renderer error');
    else {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><html><body><h1>${escapeHtml(page)}</h1><p>rendered ✓</p></body></html>`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/render`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
