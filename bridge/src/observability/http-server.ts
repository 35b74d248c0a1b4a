/**
 * The bridge's operational HTTP endpoints:
 * - `GET /healthz`: 200 while the process runs (the event loop answers). ECS container health check.
 * - `GET /readyz`: 200 when the status callback says ready, else 503 with the reason (disconnected
 *   from every nsqd, draining, ...). Load balancers and the local dev stack use it.
 * - `GET /metrics`: the registry in Prometheus text format.
 * It binds to the configured host: 127.0.0.1 locally, 0.0.0.0 only inside a container.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsRegistry } from './metrics-registry.ts';

export interface ReadinessStatus {
  readonly ready: boolean;
  /** Why not ready, e.g. `draining` or `no nsqd connection for subscription orders`. */
  readonly reason?: string;
  /** Extra JSON for humans (connections per subscription, in-flight counts...). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface HttpServerOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly registry: MetricsRegistry;
  readonly readiness: () => ReadinessStatus | Promise<ReadinessStatus>;
  /** Called when a handler fails (the response is a 500). */
  readonly onError?: (error: Error) => void;
}

export interface OpsHttpServer {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function send(res: http.ServerResponse, status: number, type: string, body: string, head: boolean) {
  const bytes = Buffer.from(body);
  res.writeHead(status, {
    'content-type': type,
    'content-length': String(bytes.byteLength),
    'cache-control': 'no-store',
  });
  res.end(head ? undefined : bytes);
}

const json = (res: http.ServerResponse, status: number, body: unknown, head: boolean) =>
  send(res, status, 'application/json', `${JSON.stringify(body)}\n`, head);

export async function startHttpServer(options: HttpServerOptions): Promise<OpsHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer(async (req, res) => {
    const head = req.method === 'HEAD';
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      json(res, 405, { error: 'method not allowed' }, false);
      return;
    }
    try {
      switch (path) {
        case '/healthz':
          json(res, 200, { status: 'ok' }, head);
          return;
        case '/readyz': {
          const status = await options.readiness();
          json(
            res,
            status.ready ? 200 : 503,
            {
              status: status.ready ? 'ready' : 'not ready',
              ...(status.reason ? { reason: status.reason } : {}),
              ...(status.details ? { details: status.details } : {}),
            },
            head,
          );
          return;
        }
        case '/metrics':
          send(res, 200, PROMETHEUS_CONTENT_TYPE, options.registry.renderPrometheus(), head);
          return;
        default:
          json(res, 404, { error: `no route ${path}`, routes: ['/healthz', '/readyz', '/metrics'] }, head);
      }
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      options.onError?.(error);
      if (!res.headersSent) json(res, 500, { error: 'internal error' }, head);
      else res.destroy();
    }
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `ops HTTP port ${host}:${options.port} is already in use`
            : `ops HTTP server cannot listen on ${host}:${options.port}: ${err.message}`,
          { cause: err },
        ),
      );
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
