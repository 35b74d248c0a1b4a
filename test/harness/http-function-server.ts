/**
 * A scriptable HTTP function endpoint on 127.0.0.1, for tests of the bridge's HTTP invoker: it verifies
 * every request's signature with shared/edge/signature.ts (as an edge handler does) and answers what the
 * test scripts, including the failures the invoker must classify (a hang, a reset socket).
 *
 *   const server = await startHttpFunctionServer({ secrets: ['s3cr3t…'] }, (call) => ({ status: 200, body: {} }));
 *   // target: { type: 'http', url: server.url, signingSecret: 'ENV_NAME' }
 *   await server.close();
 *
 * A request whose signature fails is answered 401 before the handler runs (it is still recorded, with
 * `signature.ok === false`), unless `options.verify` is false.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { NsqBatchEvent } from '#shared/contract/batch-event';
import {
  IDEMPOTENCY_KEY_HEADER,
  SIGNATURE_HEADER,
  type SignatureCheck,
  verifyRequest,
} from '#shared/edge/signature';

export interface HttpFunctionCall {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The parsed event (undefined when the body is not JSON). */
  readonly event: NsqBatchEvent | undefined;
  readonly signature: SignatureCheck;
  readonly idempotencyKey: string | undefined;
  readonly receivedAtMs: number;
  /** The client's port: one per connection (keep-alive reuse shows as a repeated port). */
  readonly remotePort: number | undefined;
}

export type HttpFunctionReply =
  /** A status with a body (a string or Buffer is sent raw, anything else as JSON) and headers. */
  | { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> }
  /** Never answers (until the client gives up or the server closes). */
  | { readonly hang: true }
  /** Destroys the socket without a response (a reset mid-request). */
  | { readonly destroySocket: true };

export type HttpFunctionHandler = (call: HttpFunctionCall) => HttpFunctionReply | Promise<HttpFunctionReply>;

export interface HttpFunctionServerOptions {
  /** The secrets this endpoint accepts. */
  readonly secrets: readonly string[];
  /** Verify signatures (401 without running the handler on failure). @default true */
  readonly verify?: boolean;
  /** Listen on this port. @default a free one */
  readonly port?: number;
}

export interface HttpFunctionServer {
  /** `http://127.0.0.1:<port>/batch` */
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order, recorded before the handler runs. */
  readonly calls: HttpFunctionCall[];
  /** Requests refused for their signature. */
  readonly rejected: HttpFunctionCall[];
  setHandler(handler: HttpFunctionHandler): void;
  /** Replaces the accepted secrets (a rotation on the endpoint's side). */
  setSecrets(secrets: readonly string[]): void;
  close(): Promise<void>;
}

/** Every message succeeded. */
export const succeedAll: HttpFunctionHandler = () => ({ status: 200, body: { batchItemFailures: [] } });

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const bytes =
    body === undefined
      ? Buffer.alloc(0)
      : Buffer.isBuffer(body)
        ? body
        : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(bytes.byteLength),
    ...headers,
  });
  res.end(bytes);
}

export async function startHttpFunctionServer(
  options: HttpFunctionServerOptions,
  handler: HttpFunctionHandler = succeedAll,
): Promise<HttpFunctionServer> {
  let current = handler;
  let secrets = [...options.secrets];
  const calls: HttpFunctionCall[] = [];
  const rejected: HttpFunctionCall[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const header = req.headers[SIGNATURE_HEADER];
        const signature = await verifyRequest({
          header: typeof header === 'string' ? header : undefined,
          body,
          secrets,
          nowSec: Math.floor(Date.now() / 1000),
        });
        let event: NsqBatchEvent | undefined;
        try {
          event = JSON.parse(body.toString('utf8')) as NsqBatchEvent;
        } catch {
          event = undefined;
        }
        const key = req.headers[IDEMPOTENCY_KEY_HEADER];
        const call: HttpFunctionCall = {
          path: req.url ?? '/',
          headers: req.headers,
          body,
          event,
          signature,
          idempotencyKey: typeof key === 'string' ? key : undefined,
          receivedAtMs: Date.now(),
          remotePort: req.socket.remotePort,
        };
        calls.push(call);
        if (options.verify !== false && !signature.ok) {
          rejected.push(call);
          send(res, 401, { error: `signature ${signature.reason}` });
          return;
        }
        const reply = await current(call);
        if ('hang' in reply) return;
        if ('destroySocket' in reply) {
          res.socket?.destroy();
          return;
        }
        send(res, reply.status, reply.body, reply.headers);
      })().catch((error: unknown) => {
        if (!res.headersSent) send(res, 500, { error: String(error) });
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/batch`,
    port,
    calls,
    rejected,
    setHandler(next) {
      current = next;
    },
    setSecrets(next) {
      secrets = [...next];
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
