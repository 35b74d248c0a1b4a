/**
 * An in-process bridge whose subscription's function is an HTTP endpoint: a real nsqd, the real HTTP
 * invoker (undici over real sockets, signed requests) and the scriptable endpoint of
 * test/harness/http-function-server.ts, which verifies every signature.
 */
import { type Bridge, createBridge } from '#bridge/bridge';
import { BridgeEventEmitter } from '#bridge/events';
import { createHttpInvoker } from '#bridge/http/http-invoker';
import type { BatchInvoker } from '#bridge/ports';
import type { Nsqd } from '#dev/services/nsq';
import { type BridgeConfigInput, parseBridgeConfig } from '#shared/config/bridge-config';
import { waitFor } from '#test/harness/services';
import type { SubscriptionInput } from './bridge-harness.ts';
import { MemoryDeadLetters } from './bridge-harness.ts';

/** A signing secret, as the endpoint and the bridge both hold it. */
export const SECRET = 'edge-signing-secret-0123456789abcdef';

/** The Lambda invoker's seat: no subscription here may reach it. */
const noLambda: BatchInvoker = {
  async invoke() {
    throw new Error('an HTTP-target subscription reached the Lambda invoker');
  },
  async close() {},
};

export interface HttpBridge {
  readonly bridge: Bridge;
  readonly events: BridgeEventEmitter;
  readonly deadLetters: MemoryDeadLetters;
  readonly topic: string;
  readonly channel: string;
  stop(): Promise<void>;
}

let counter = 0;

export async function startHttpBridge(
  nsqd: Nsqd,
  target: { readonly url: string; readonly timeoutMs?: number; readonly headers?: Record<string, string> },
  sub: SubscriptionInput = {},
  secrets: readonly string[] = [SECRET],
  globals: Partial<BridgeConfigInput> = {},
): Promise<HttpBridge> {
  const topic = `http${++counter}-${process.pid}`;
  const channel = 'bridge';
  await nsqd.http.createTopic(topic);
  await nsqd.http.createChannel(topic, channel);
  const config = parseBridgeConfig({
    nsqdTcpAddresses: [nsqd.tcpAddress],
    deadLetter: { kind: 's3', bucket: 'unused' },
    drain: { deadlineMs: 10_000 },
    ...globals,
    subscriptions: [
      {
        name: 'edge',
        topic,
        channel,
        maxWaitMs: 20,
        requeue: { baseDelayMs: 50, maxDelayMs: 200, jitter: 'none' },
        target: { type: 'http', signingSecret: 'UNUSED_HERE', ...target },
        ...sub,
      },
    ],
  });
  const s = config.subscriptions[0];
  if (!s?.target) throw new Error('no HTTP target');
  const invoker = createHttpInvoker({
    url: s.target.url,
    secrets,
    headers: s.target.headers,
    connections: s.maxConcurrentInvocations,
  });
  const deadLetters = new MemoryDeadLetters();
  const events = new BridgeEventEmitter();
  const bridge = createBridge({
    config,
    invoker: noLambda,
    invokers: new Map([['edge', invoker]]),
    deadLetters,
    events,
  });
  bridge.start();
  await waitFor(() => bridge.status.ready, { what: 'bridge connected', timeoutMs: 15_000 });
  let stopped = false;
  return {
    bridge,
    events,
    deadLetters,
    topic,
    channel,
    async stop() {
      if (stopped) return;
      stopped = true;
      await bridge.drain(5_000);
    },
  };
}
