/**
 * The floor for any NSQ → HTTP forwarder in Node: the least work a bridge must do per message, and no more.
 * An nsqjs Reader whose messages are gathered 100 at a time (or after 20 ms) and sent as the bare bodies,
 * concatenated, in one HTTP POST over keep-alive to the same endpoint nsq_to_http posts to; up to 8 POSTs
 * at once; every message FINed when its POST answers 2xx (REQ otherwise).
 *
 * None of the bridge's work: no per-message results, attempts, touch, dead letters, metrics or logs, no
 * AWS SDK. With BENCH_FORWARD_AS=raw (default) no Lambda API either: how fast moving the bytes alone can
 * go on this machine. With BENCH_FORWARD_AS=lambda, only what the Invoke API cannot do without: a JSON
 * event (bodies as base64) and the SHA-256 of it that SigV4 signs. A bridge cannot beat these floors, so
 * a target above them is out of reach here. Run as its own process by the benchmark:
 *   BENCH_NSQD=127.0.0.1:4150 BENCH_TOPIC=t BENCH_CHANNEL=c BENCH_ENDPOINT=http://127.0.0.1:8080 \
 *     node --import tsx bench/consumers/forwarder.ts
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { type Message, Reader } from 'nsqjs';
import { requiredEnv } from './required-env.ts';

const required = (name: string) => requiredEnv('forwarder', name);

const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const WAIT_MS = 20;
const endpoint = new URL(required('BENCH_ENDPOINT'));
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

const reader = new Reader(required('BENCH_TOPIC'), required('BENCH_CHANNEL'), {
  nsqdTCPAddresses: [required('BENCH_NSQD')],
  maxInFlight: Number(process.env.BENCH_MAX_IN_FLIGHT ?? BATCH * CONCURRENCY * 2),
  maxAttempts: 0,
  outputBufferTimeout: 25,
});

let pending: Message[] = [];
let flushTimer: NodeJS.Timeout | undefined;
let active = 0;
const ready: Message[][] = [];

/**
 * `raw`: the bodies as they are. `lambda`: what the Lambda Invoke API cannot do without: a JSON event
 * (so each body as base64) and the SHA-256 of it that SigV4 signs (sent as x-amz-content-sha256).
 */
const AS = process.env.BENCH_FORWARD_AS === 'lambda' ? 'lambda' : 'raw';
const [HEAD, ENTRY_HEAD, ENTRY_TAIL, TAIL] = ['{"messages":[', '{"body":"', '"}', ']}'] as const;

function payload(batch: Message[]): { body: Buffer; headers: Record<string, string | number> } {
  if (AS === 'raw') {
    const body = Buffer.concat(batch.map((m) => m.body));
    return { body, headers: { 'content-type': 'application/octet-stream', 'content-length': body.length } };
  }
  // Written straight into one buffer of the exact size (as the bridge does): no joined string to encode.
  const bodies = batch.map((m) => m.body.toString('base64'));
  let size = HEAD.length + TAIL.length + (bodies.length - 1);
  for (const b of bodies) size += ENTRY_HEAD.length + b.length + ENTRY_TAIL.length;
  const body = Buffer.allocUnsafe(size);
  let at = body.write(HEAD, 0, 'latin1');
  bodies.forEach((b, i) => {
    if (i > 0) at += body.write(',', at, 'latin1');
    at += body.write(ENTRY_HEAD, at, 'latin1');
    at += body.write(b, at, 'latin1');
    at += body.write(ENTRY_TAIL, at, 'latin1');
  });
  body.write(TAIL, at, 'latin1');
  const sha256 = createHash('sha256').update(body).digest('hex');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'content-length': body.length,
      'x-amz-content-sha256': sha256,
    },
  };
}

function post(batch: Message[]): void {
  active++;
  const { body, headers } = payload(batch);
  const req = http.request(endpoint, { method: 'POST', agent, headers }, (res) => {
    res.resume();
    res.on('end', () => {
      const ok = (res.statusCode ?? 500) < 300;
      for (const m of batch) {
        if (ok) m.finish();
        else m.requeue(0, false);
      }
      done();
    });
  });
  req.on('error', () => {
    for (const m of batch) m.requeue(0, false);
    done();
  });
  req.end(body);
}

function done(): void {
  active--;
  const next = ready.shift();
  if (next) post(next);
}

function flush(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = undefined;
  if (pending.length === 0) return;
  const batch = pending;
  pending = [];
  if (active < CONCURRENCY) post(batch);
  else ready.push(batch);
}

reader.on('message', (msg) => {
  pending.push(msg);
  if (pending.length >= BATCH) flush();
  else flushTimer ??= setTimeout(flush, WAIT_MS);
});
reader.on('error', (err) => console.error('forwarder:', err.message));
reader.connect();

process.once('SIGTERM', () => {
  reader.pause();
  setTimeout(() => {
    reader.close();
    setTimeout(() => process.exit(0), 50);
  }, 200);
});
