/**
 * A minimal nsqd auth server (nsqd `--auth-http-address`) over real HTTP on 127.0.0.1: one valid
 * secret, subscribe and publish on every topic and channel. Records every secret it was asked about.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface NsqAuthServer {
  /** The secrets nsqd asked about, in order. */
  readonly seen: readonly string[];
  /** `127.0.0.1:<port>`, for `--auth-http-address`. */
  readonly address: string;
  close(): Promise<void>;
}

export async function startNsqAuthServer(secret: string, identity = 'bridge'): Promise<NsqAuthServer> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const asked = url.searchParams.get('secret') ?? '';
    seen.push(asked);
    if (asked !== secret) {
      res.writeHead(403).end('{"message":"NOT_AUTHORIZED"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        ttl: 3600,
        identity,
        authorizations: [{ topic: '.*', channels: ['.*'], permissions: ['subscribe', 'publish'] }],
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    seen,
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
