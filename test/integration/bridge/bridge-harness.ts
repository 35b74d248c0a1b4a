/**
 * Shared set-up for the bridge integration tests: a real nsqd, the scriptable Invoke responder over real
 * HTTP, the real Lambda invoker (bridge/src/lambda/lambda-invoker.ts), and the bridge itself.
 */
import { type Bridge, createBridge } from '#bridge/bridge';
import { BridgeEventEmitter } from '#bridge/events';
import { createLambdaInvoker } from '#bridge/lambda/lambda-invoker';
import type { DeadLetterStore, ToggleReader } from '#bridge/ports';
import type { Nsqd } from '#dev/services/nsq';
import { type BridgeConfigInput, type BridgeSecrets, parseBridgeConfig } from '#shared/config/bridge-config';
import type { NsqBatchEvent } from '#shared/contract/batch-event';
import type { DeadLetterRecord } from '#shared/contract/dead-letter';
import {
  type InvokeHandler,
  type InvokeResponder,
  startInvokeResponder,
} from '#test/harness/invoke-responder';
import { waitFor } from '#test/harness/services';

export class MemoryDeadLetters implements DeadLetterStore {
  readonly describe = 'memory://dead-letters';
  readonly records: DeadLetterRecord[] = [];
  fail = false;
  async write(records: readonly DeadLetterRecord[]): Promise<void> {
    if (this.fail) throw new Error('dead-letter store down');
    this.records.push(...records);
  }
}

export const eventOf = (payload: Buffer): NsqBatchEvent =>
  JSON.parse(payload.toString('utf8')) as NsqBatchEvent;
export const bodiesOf = (event: NsqBatchEvent) =>
  event.messages.map((m) => Buffer.from(m.body, 'base64').toString('utf8'));

export interface InProcessBridge {
  readonly bridge: Bridge;
  readonly deadLetters: MemoryDeadLetters;
  readonly events: BridgeEventEmitter;
  readonly topic: string;
  readonly channel: string;
  /** Drains the bridge (idempotent). */
  stop(): Promise<void>;
}

export interface Started extends InProcessBridge {
  readonly responder: InvokeResponder;
}

export type SubscriptionInput = Partial<BridgeConfigInput['subscriptions'][number]>;

let counter = 0;

/**
 * Creates the topic and channel on every nsqd, then starts an in-process bridge with the real Lambda
 * invoker pointed at `endpoint` (any Invoke API: the responder or the local Lambda), waiting until it is
 * connected (or paused by its toggle).
 */
export async function startBridgeAt(
  nsqd: Nsqd | readonly Nsqd[],
  endpoint: string,
  sub: SubscriptionInput = {},
  globals: Partial<BridgeConfigInput> = {},
  ports: {
    readonly toggles?: ToggleReader;
    readonly deadLetters?: DeadLetterStore;
    /** What main.ts reads from env (NSQ_AUTH_SECRET, ...). */
    readonly secrets?: BridgeSecrets;
  } = {},
): Promise<InProcessBridge> {
  const nsqds = Array.isArray(nsqd) ? (nsqd as readonly Nsqd[]) : [nsqd as Nsqd];
  const topic = sub.topic ?? `t${++counter}-${process.pid}`;
  // The name the bridge SUBscribes with (nsqd keeps `#ephemeral` as part of the channel's name).
  const baseChannel = sub.channel ?? 'bridge';
  const channel = sub.ephemeral ? `${baseChannel}#ephemeral` : baseChannel;
  for (const n of nsqds) {
    await n.http.createTopic(topic);
    await n.http.createChannel(topic, channel);
  }
  const config = parseBridgeConfig(
    {
      nsqdTcpAddresses: nsqds.map((n) => n.tcpAddress),
      deadLetter: { kind: 's3', bucket: 'unused' },
      drain: { deadlineMs: 10_000 },
      ...globals,
      subscriptions: [
        {
          name: 'it',
          functionName: 'it-fn',
          topic,
          channel: baseChannel,
          maxWaitMs: 20,
          requeue: { baseDelayMs: 50, maxDelayMs: 200, jitter: 'none' },
          ...sub,
        },
      ],
    },
    ports.secrets,
  );
  const invoker = createLambdaInvoker({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxSockets: 64,
    connectionTimeoutMs: 2_000,
  });
  const deadLetters = new MemoryDeadLetters();
  const events = new BridgeEventEmitter();
  const bridge = createBridge({
    config,
    invoker,
    deadLetters: ports.deadLetters ?? deadLetters,
    events,
    ...(ports.toggles && { toggles: ports.toggles }),
  });
  bridge.start();
  await waitFor(
    () => bridge.status.ready || (ports.toggles && bridge.status.subscriptions.every((s) => s.paused)),
    { what: 'bridge connected', timeoutMs: 15_000 },
  );
  let stopped = false;
  return {
    bridge,
    deadLetters,
    events,
    topic,
    channel,
    async stop() {
      if (stopped) return;
      stopped = true;
      await bridge.drain(5_000);
    },
  };
}

/** startBridgeAt with a scriptable Invoke responder of its own, closed by `stop()`. */
export async function startBridge(
  nsqd: Nsqd | readonly Nsqd[],
  handler: InvokeHandler,
  sub: SubscriptionInput = {},
  globals: Partial<BridgeConfigInput> = {},
  ports: Parameters<typeof startBridgeAt>[4] = {},
): Promise<Started> {
  const responder = await startInvokeResponder(handler);
  const started = await startBridgeAt(nsqd, responder.endpoint, sub, globals, ports);
  return {
    ...started,
    responder,
    async stop() {
      await started.stop();
      await responder.close();
    },
  };
}

export { waitChannelIdle } from '#test/harness/nsq-channel';
