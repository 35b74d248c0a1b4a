/**
 * What the consumers under test talk to, started once per benchmark and shared by every trial
 * (counters are read as deltas): an HTTP endpoint answering 200 at once (for nsq_to_http), the bare
 * Invoke-API responder (the bridge's own cost), the local Lambda running the bench functions, and
 * workerd running bench/functions/edge-responder (the responder's twin behind the HTTP invoker).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { functionsFor, loadFunctions } from '#shared/functions/loader';

export interface BenchTarget {
  readonly name: string;
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Requests (HTTP POSTs or Lambda invocations) served so far (workerd's are read over HTTP). */
  requests(): number | Promise<number>;
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

/**
 * A keep-alive HTTP target that drains each request body without keeping it, then lets `answer` reply.
 * `answer` gets the request number it would be and returns whether the request counts as one.
 */
async function startDrainingTarget(
  name: string,
  answer: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => boolean,
): Promise<BenchTarget> {
  let count = 0;
  const server = http.createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      if (answer(req, res, count + 1)) count += 1;
    });
  });
  server.keepAliveTimeout = 60_000;
  const close = closer(server);
  const port = await listen(server);
  return {
    name,
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => count,
    throttles: () => 0,
    close,
  };
}

/** An HTTP endpoint that drains the request body and answers 200 at once (keep-alive). */
export function startHttpSink(): Promise<BenchTarget> {
  return startDrainingTarget('http-sink', (_req, res) => {
    res.writeHead(200, { 'content-length': '0' });
    res.end();
    return true;
  });
}

/**
 * The bare Invoke-API responder: drains the request body and answers "every message succeeded"
 * (optionally after `delayMs`), as lean as the HTTP sink nsq_to_http posts to, so that the responder's
 * own CPU (it shares the machine) weighs on the bridge no more than the sink weighs on nsq_to_http.
 * A DryRun (the bridge's start-up check) gets 204 and is not counted. test/harness/invoke-responder.ts
 * is the scriptable one for tests; it buffers and records every call.
 */
export function startResponderTarget(delayMs = 0): Promise<BenchTarget> {
  const body = Buffer.from('{"batchItemFailures":[]}');
  const name = delayMs > 0 ? `invoke responder (+${delayMs} ms)` : 'invoke responder';
  return startDrainingTarget(name, (req, res, n) => {
    if (req.headers['x-amz-invocation-type'] === 'DryRun') {
      res.writeHead(204, { 'x-amzn-requestid': 'bench-dry-run' });
      res.end();
      return false;
    }
    const send = () => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(body.byteLength),
        'x-amzn-requestid': `bench-${n}`,
        'x-amz-executed-version': '$LATEST',
      });
      res.end(body);
    };
    if (delayMs > 0) setTimeout(send, delayMs);
    else send();
    return true;
  });
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

/**
 * workerd (dev/services/workerd.ts) serving bench/functions/edge-responder, bundled as `npm start` bundles
 * edge functions: the bridge reaches it through its HTTP invoker. Its request count is the worker's own
 * (`GET /`); workerd's CPU, like the responder's, is not the consumer's.
 */
export async function startEdgeResponderTarget(): Promise<BenchTarget> {
  const { startEdgeFunctions } = await import('#dev/services/workerd');
  const functions = functionsFor(await loadFunctions(benchFunctionsDir), 'edge');
  const outDir = mkdtempSync(join(tmpdir(), 'bench-edge-'));
  const workerd = await startEdgeFunctions(functions, { outDir, bindings: {} });
  const url = workerd.url('edge-responder');
  return {
    name: 'workerd (edge responder)',
    endpoint: url.replace(/\/$/, ''),
    requests: async () => {
      const reply = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      return ((await reply.json()) as { requests: number }).requests;
    },
    throttles: () => 0,
    close: async () => {
      await workerd.stop();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
