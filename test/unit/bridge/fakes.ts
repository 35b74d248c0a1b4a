/**
 * Small fakes behind the bridge's own interfaces (ports, DeliveryHandle, MessageSource) for unit tests.
 */

import type {
  BatchInvoker,
  ClaimCheckStore,
  Clock,
  DeadLetterStore,
  DeliveryHandle,
  InvokeRequest,
  InvokeResult,
  MessageSource,
} from '#bridge/ports';
import {
  type BridgeConfigInput,
  type BridgeSubscription,
  parseBridgeConfig,
} from '#shared/config/bridge-config';
import type { NsqBatchEvent } from '#shared/contract/batch-event';
import { claimCheckEntryBytes } from '#shared/contract/claim-check';
import { claimCheckPointer } from '#shared/contract/claim-check-digest';
import type { DeadLetterRecord } from '#shared/contract/dead-letter';

export type Answer = { kind: 'finish' } | { kind: 'requeue'; delayMs: number };

export class FakeDelivery implements DeliveryHandle {
  readonly answers: Answer[] = [];
  touches = 0;
  hardMs: number | null = Number.POSITIVE_INFINITY;
  readonly timestampMs = 1_700_000_000_000;
  readonly body: Buffer;
  constructor(
    readonly id: string,
    body: string | Buffer = `body-${id}`,
    readonly attempts = 1,
    readonly nsqdAddress = '127.0.0.1:4150',
    readonly connectionId = nsqdAddress,
  ) {
    this.body = typeof body === 'string' ? Buffer.from(body) : body;
  }
  finish() {
    this.answers.push({ kind: 'finish' });
  }
  requeue(delayMs: number) {
    this.answers.push({ kind: 'requeue', delayMs });
  }
  touch() {
    this.touches++;
  }
  hardRemainingMs() {
    return this.hardMs;
  }
}

export class FakeSource implements MessageSource {
  onMessage: ((h: DeliveryHandle) => void) | undefined;
  paused = false;
  closed = false;
  connectedCount = 1;
  onConnectionClosed: ((connectionId: string) => void) | undefined;
  start(onMessage: (h: DeliveryHandle) => void, onConnectionClosed?: (connectionId: string) => void) {
    this.onMessage = onMessage;
    this.onConnectionClosed = onConnectionClosed;
  }
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
  async close() {
    this.closed = true;
  }
  deliver(...handles: DeliveryHandle[]) {
    for (const h of handles) this.onMessage?.(h);
  }
}

export interface RecordedInvoke {
  readonly request: InvokeRequest;
  readonly event: NsqBatchEvent;
}

/** A scripted invoker: `script(event, callIndex)` returns the result (or a promise of it). */
export class FakeInvoker implements BatchInvoker {
  readonly calls: RecordedInvoke[] = [];
  constructor(public script: (event: NsqBatchEvent, call: number) => InvokeResult | Promise<InvokeResult>) {}
  async invoke(request: InvokeRequest): Promise<InvokeResult> {
    const event = JSON.parse(Buffer.from(request.payload).toString('utf8')) as NsqBatchEvent;
    this.calls.push({ request, event });
    return this.script(event, this.calls.length - 1);
  }
  async close() {}
}

export const ok = (body: unknown = { batchItemFailures: [] }): InvokeResult => ({
  kind: 'ok',
  payload: Buffer.from(JSON.stringify(body)),
  requestId: 'req-1',
  durationMs: 1,
});

export class FakeDeadLetters implements DeadLetterStore {
  readonly describe = 'memory://dead-letters';
  readonly records: DeadLetterRecord[] = [];
  fail = false;
  async write(records: readonly DeadLetterRecord[]) {
    if (this.fail) throw new Error('store down');
    this.records.push(...records);
  }
}

/** A manual clock: timers fire only on `advance`. */
export class FakeClock implements Clock {
  #now = 1_000_000;
  #timers: Array<{ at: number; fn: () => void; id: NodeJS.Timeout }> = [];
  now() {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout {
    const id = { unref() {} } as unknown as NodeJS.Timeout;
    this.#timers.push({ at: this.#now + ms, fn, id });
    return id;
  }
  clearTimeout(id: NodeJS.Timeout) {
    this.#timers = this.#timers.filter((t) => t.id !== id);
  }
  advance(ms: number) {
    const end = this.#now + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers[0];
      if (!next || next.at > end) break;
      this.#timers.shift();
      this.#now = next.at;
      next.fn();
    }
    this.#now = end;
  }
}

export function subscriptionConfig(
  overrides: Partial<BridgeConfigInput['subscriptions'][number]> = {},
): BridgeSubscription {
  return testConfig({
    subscriptions: [
      { name: 'orders', functionName: 'orders-fn', topic: 'orders', channel: 'bridge', ...overrides },
    ],
  }).subscriptions[0] as BridgeSubscription;
}

export function testConfig(overrides: Partial<BridgeConfigInput> = {}) {
  return parseBridgeConfig({
    nsqdTcpAddresses: ['127.0.0.1:4150'],
    deadLetter: { kind: 's3', bucket: 'dead-letters' },
    subscriptions: [{ name: 'orders', functionName: 'orders-fn', topic: 'orders', channel: 'bridge' }],
    ...overrides,
  });
}

/** A claim-check store behind our own port: keeps bodies in memory, fails while `down`. */
export class FakeClaimChecks implements ClaimCheckStore {
  readonly describe = 's3://claims/claim-checks/';
  readonly stored = new Map<string, Buffer>();
  puts = 0;
  down = false;
  pointerEntryBytes(sizeBytes: number): number {
    return claimCheckEntryBytes('claims', 'claim-checks/', sizeBytes);
  }
  async put(body: Uint8Array) {
    this.puts++;
    if (this.down) throw new Error('connect ECONNREFUSED');
    const pointer = claimCheckPointer('claims', 'claim-checks/', body);
    this.stored.set(pointer.key, Buffer.from(body));
    return pointer;
  }
}
