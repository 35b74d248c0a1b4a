import { describe, expect, it } from 'vitest';
import { TrackedMessage } from '#bridge/delivery';
import { PayloadBuilder } from '#bridge/engine/payload-builder';
import { type NsqBatchEvent, nsqBatchEventSchema } from '#shared/contract/batch-event';
import { FakeClaimChecks, FakeDelivery } from '../fakes.ts';

const builder = (store: FakeClaimChecks, maxBytes = 10_000, thresholdBytes?: number) =>
  new PayloadBuilder({
    subscription: 'orders',
    topic: 'orders',
    channel: 'bridge',
    maxBytes,
    claimChecks: { store, ...(thresholdBytes !== undefined && { thresholdBytes }) },
  });

const message = (b: PayloadBuilder, id: string, body: Buffer) => {
  const d = new FakeDelivery(id, body);
  return new TrackedMessage(d, 'orders', 'orders', 'bridge', 0, b.entryTail(d.nsqdAddress));
};

describe('PayloadBuilder with claim checks', () => {
  it.each([
    ['a small body', 100, undefined, false],
    ['a body too large for an event', 20_000, undefined, true],
    ['a body over the threshold', 2_000, 1_000, true],
    ['a body at the threshold', 1_000, 1_000, false],
  ])('plans %s: %s bytes, threshold %s → claim-checked %s', (_what, bytes, threshold, expected) => {
    const b = builder(new FakeClaimChecks(), 10_000, threshold);
    const m = message(b, 'a', Buffer.alloc(bytes, 7));
    expect(b.plan(m)).toBe(expected);
    expect(b.oversize(m)).toBeUndefined();
  });

  it('stores each planned body once and writes a pointer entry of exactly its planned size', async () => {
    // Prepare: a mixed batch.
    const store = new FakeClaimChecks();
    const b = builder(store, 10_000, 1_000);
    const big = Buffer.from(Array.from({ length: 50_000 }, (_, i) => i % 256));
    const ms = [message(b, 'a', Buffer.from('inline')), message(b, 'b', big)];
    for (const m of ms) b.plan(m);

    // Act
    const first = await b.prepare(ms);
    const again = await b.prepare(ms);
    const payload = b.build('batch-1', ms);

    // Assess
    expect(first.stored.map((m) => m.id)).toEqual(['b']);
    expect(first.failures).toEqual([]);
    expect(again).toEqual({ stored: [], failures: [] });
    expect(store.puts).toBe(1);
    const raw = JSON.parse(Buffer.from(payload).toString()) as NsqBatchEvent;
    const event = nsqBatchEventSchema.parse(raw) as NsqBatchEvent;
    expect(event.messages[0]).not.toHaveProperty('claimCheck');
    expect(event.messages[1]).toMatchObject({
      body: '',
      claimCheck: { bucket: 'claims', sizeBytes: big.length },
    });
    expect(store.stored.get(event.messages[1]?.claimCheck?.key ?? '')?.equals(big)).toBe(true);
    expect(ms[1]?.encoded).toBe(JSON.stringify(raw.messages[1]));
  });

  it('reports the bodies it could not store and keeps them unstored', async () => {
    const store = new FakeClaimChecks();
    store.down = true;
    const b = builder(store);
    const m = message(b, 'a', Buffer.alloc(20_000));
    b.plan(m);
    const { stored, failures } = await b.prepare([m]);
    expect(stored).toEqual([]);
    expect(failures.map((f) => [f.messages.map((x) => x.id), f.error.message])).toEqual([
      [['a'], 'connect ECONNREFUSED'],
    ]);
    expect(m.claimCheck).toBeUndefined();
    expect(() => b.build('x', [m])).toThrow(/claim check planned but the body is not stored yet/);
  });

  it('without a store, plans nothing and the oversize message is turned away', () => {
    const b = new PayloadBuilder({ subscription: 'o', topic: 'o', channel: 'c', maxBytes: 10_000 });
    const m = message(b, 'a', Buffer.alloc(20_000));
    expect(b.plan(m)).toBe(false);
    expect(b.oversize(m)).toMatch(/over the subscription's maxBytes/);
  });
});
