/**
 * What the consumers under test talk to, started once per benchmark and shared by every trial
 * (counters are read as deltas): an HTTP endpoint answering 200 at once (for nsq_to_http), the bare
 * Invoke-API responder (the bridge's own cost), and the local Lambda running the bench functions.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFunctions } from '#functions/registry';

export interface BenchTarget {
  readonly name: string;
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Requests (HTTP POSTs or Lambda invocations) served so far. */
  requests(): number;
  /** 429 throttles answered so far. */
  throttles(): number;
  close(): Promise<void>;
}

export const benchFunctionsDir = join(dirname(fileURLToPath(import.meta.url)), 'functions');

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

function closer(server: http.Server): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
}

/** An HTTP endpoint that drains the request body and answers 200 at once (keep-alive). */
export async function startHttpSink(): Promise<BenchTarget> {
  let count = 0;
  const server = http.createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      count += 1;
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  const close = closer(server);
  const port = await listen(server);
  return {
    name: 'http-sink',
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => count,
    throttles: () => 0,
    close,
  };
}

/**
 * The bare Invoke-API responder (test/harness/invoke-responder.ts) answering "every message
 * succeeded", optionally after `delayMs`. It does not keep the calls (a long run would hold every payload).
 */
export async function startResponderTarget(delayMs = 0): Promise<BenchTarget> {
  const { startInvokeResponder } = await import('#test/harness/invoke-responder');
  let count = 0;
  const responder = await startInvokeResponder();
  const ok = { body: { batchItemFailures: [] } } as const;
  responder.setHandler(async () => {
    count += 1;
    responder.calls.length = 0;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return ok;
  });
  return {
    name: delayMs > 0 ? `invoke responder (+${delayMs} ms)` : 'invoke responder',
    endpoint: responder.endpoint,
    requests: () => count,
    throttles: () => 0,
    close: () => responder.close(),
  };
}

/** The local Lambda (dev/local-lambda) serving bench/functions (noop, sleep-50ms) from their bundles. */
export async function startLocalLambdaTarget(options: {
  unreservedConcurrency: number;
}): Promise<BenchTarget> {
  const { startLocalLambda } = await import('#dev/local-lambda/server');
  const functions = await loadFunctions(benchFunctionsDir);
  const lambda = await startLocalLambda({
    functions,
    unreservedConcurrency: options.unreservedConcurrency,
    // 200,000 START/END/REPORT lines would cost more than the invocations; keep warnings only.
    log: (line) => {
      if (/warn|error|leak/i.test(line) && !/^(START|END|REPORT)/.test(line))
        process.stderr.write(`${line}\n`);
    },
  });
  const sum = (field: 'invocations' | 'throttles') =>
    Object.values(lambda.stats()).reduce((n, s) => n + s[field], 0);
  return {
    name: 'local Lambda',
    endpoint: lambda.endpoint,
    requests: () => sum('invocations'),
    throttles: () => sum('throttles'),
    close: () => lambda.close(),
  };
}
