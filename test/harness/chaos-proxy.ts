/**
 * An HTTP chaos proxy for fault tests: forwards every request to a target server on 127.0.0.1 and,
 * while a fault is switched on, answers in its place or drops the connection.
 *
 *   const proxy = await startChaosProxy({ target: lambda.endpoint });
 *   proxy.fault = lambdaThrottle();                 // every request gets a 429 until cleared
 *   await proxy.during(2_000, resetConnection);     // "unreachable" for 2 s (rules stack)
 *
 * Faults are decided per request when it arrives, and a request already forwarded always completes:
 * the proxy never cuts a request half-way, so a test knows whether the target saw it.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request. */
export type ChaosAction =
  | { readonly kind: 'forward' }
  | {
      readonly kind: 'respond';
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body?: string;
    }
  /** Destroys the client's socket without an answer (the client sees a reset / "socket hang up"). */
  | { readonly kind: 'reset' };

/** Picks the action for a request; `undefined` forwards. */
export type ChaosRule = (req: IncomingMessage) => ChaosAction | undefined;

export interface ChaosProxyCounts {
  forwarded: number;
  responded: number;
  reset: number;
  /** Forwarded requests whose target failed (connection refused or reset): the client's socket is destroyed. */
  targetErrors: number;
}

export interface ChaosProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The standing fault applied to every new request; `undefined` forwards everything. */
  fault: ChaosRule | undefined;
  readonly counts: Readonly<ChaosProxyCounts>;
  /**
   * Adds `rule` for `ms`, then removes it. Temporary rules stack: the newest one that acts on a request
   * wins, then older ones, then the standing `fault`.
   */
  during(ms: number, rule: ChaosRule): Promise<void>;
  close(): Promise<void>;
}

export interface ChaosProxyOptions {
  /** The target's origin, e.g. `http://127.0.0.1:9001`. Must be loopback. */
  readonly target: string;
  readonly fault?: ChaosRule;
}

/** Drop the connection: the request never reaches the target. */
export const resetConnection: ChaosRule = () => ({ kind: 'reset' });

/** Lambda's 429 TooManyRequestsException, as the Invoke API sends it (the function did not run). */
export function lambdaThrottle(
  reason = 'ReservedFunctionConcurrentInvocationLimitExceeded',
  retryAfterSec?: number,
): ChaosRule {
  const body = JSON.stringify({ Type: 'User', message: 'Rate Exceeded.', Reason: reason });
  return (req) =>
    /\/invocations$/.test(req.url?.split('?')[0] ?? '')
      ? {
          kind: 'respond',
          status: 429,
          headers: {
            'content-type': 'application/json',
            'x-amzn-errortype': 'TooManyRequestsException',
            'x-amzn-requestid': `chaos-${Date.now().toString(36)}`,
            ...(retryAfterSec !== undefined && { 'retry-after': String(retryAfterSec) }),
          },
          body,
        }
      : undefined;
}

/** An edge platform's 429 with Retry-After, as Workers or Vercel answer a rate-limited request (the function did not run). */
export function httpThrottle(retryAfterSec = 1): ChaosRule {
  return (req) =>
    req.method === 'POST'
      ? {
          kind: 'respond',
          status: 429,
          headers: { 'content-type': 'application/json', 'retry-after': String(retryAfterSec) },
          body: '{"error":"rate limited"}',
        }
      : undefined;
}

export async function startChaosProxy(options: ChaosProxyOptions): Promise<ChaosProxy> {
  const target = new URL(options.target);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost')
    throw new Error(`chaos proxy targets loopback only, got ${options.target}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const counts: ChaosProxyCounts = { forwarded: 0, responded: 0, reset: 0, targetErrors: 0 };
  const timers = new Map<NodeJS.Timeout, () => void>();
  const active: ChaosRule[] = [];
  const decide = (req: IncomingMessage): ChaosAction => {
    for (let i = active.length - 1; i >= 0; i--) {
      const action = active[i]?.(req);
      if (action) return action;
    }
    return proxy.fault?.(req) ?? { kind: 'forward' };
  };

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    counts.forwarded++;
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        agent,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => {
      counts.targetErrors++;
      res.destroy();
    });
    req.pipe(upstream);
  };

  const server = http.createServer((req, res) => {
    const action = decide(req);
    switch (action.kind) {
      case 'forward':
        return forward(req, res);
      case 'reset':
        counts.reset++;
        req.socket.destroy();
        return;
      case 'respond': {
        counts.responded++;
        // Read the request fully first, as a real server does, so the client is not reset mid-upload.
        req.resume();
        req.on('end', () => {
          const body = action.body ?? '';
          res.writeHead(action.status, {
            'content-length': String(Buffer.byteLength(body)),
            ...action.headers,
          });
          res.end(body);
        });
      }
    }
  });
  // Invocations may be long: no request timeout on the proxy itself.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const proxy: ChaosProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    fault: options.fault,
    counts,
    during(ms, rule) {
      active.push(rule);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          const i = active.indexOf(rule);
          if (i >= 0) active.splice(i, 1);
          resolve();
        }, ms);
        timers.set(timer, resolve);
      });
    },
    close() {
      closing ??= (async () => {
        for (const [timer, resolve] of timers) {
          clearTimeout(timer);
          resolve();
        }
        timers.clear();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        agent.destroy();
      })();
      return closing;
    },
  };
  return proxy;
}
