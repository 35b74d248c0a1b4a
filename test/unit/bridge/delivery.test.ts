import { describe, expect, it } from 'vitest';
import { TrackedMessage } from '#bridge/delivery';
import { FakeDelivery } from './fakes.ts';

const track = (d: FakeDelivery) => new TrackedMessage(d, 'orders', 'orders', 'bridge', 0);

describe('TrackedMessage answer guard', () => {
  it('sends exactly one answer when FIN and REQ happen in the same tick', () => {
    const d = new FakeDelivery('a');
    const m = track(d);
    expect(m.finish()).toBe(true);
    expect(m.requeue(100, 'late')).toBe(false);
    expect(m.finish()).toBe(false);
    expect(d.answers).toEqual([{ kind: 'finish' }]);
    expect(m.state).toBe('answered');
  });

  it('never touches after answering', () => {
    const d = new FakeDelivery('a');
    const m = track(d);
    expect(m.touch(1)).toBe(true);
    m.requeue(0, 'x');
    expect(m.touch(2)).toBe(false);
    expect(d.touches).toBe(1);
  });

  it('moves pending → invoking → answered', () => {
    const m = track(new FakeDelivery('a'));
    expect(m.state).toBe('pending');
    expect(m.markInvoking()).toBe(true);
    expect(m.markInvoking()).toBe(false);
    expect(m.state).toBe('invoking');
    m.finish();
    expect(m.state).toBe('answered');
    expect(m.markInvoking()).toBe(false);
  });

  it('sends REQ delays as whole non-negative ms (NaN, negative and fractions are fatal to nsqd)', () => {
    for (const [input, sent] of [
      [Number.NaN, 0],
      [-5, 0],
      [12.7, 12],
    ] as const) {
      const d = new FakeDelivery('a');
      track(d).requeue(input, 'x');
      expect(d.answers).toEqual([{ kind: 'requeue', delayMs: sent }]);
    }
  });

  it('pre-encodes the event entry with a base64 body (byte-exact)', () => {
    const body = Buffer.from([0, 1, 2, 253, 254, 255]);
    const m = track(new FakeDelivery('bin', body, 3));
    const entry = JSON.parse(m.encoded) as { body: string; attempts: number };
    expect(Buffer.from(entry.body, 'base64').equals(body)).toBe(true);
    expect(entry.attempts).toBe(3);
    expect(m.encodedBytes).toBe(Buffer.byteLength(m.encoded));
  });

  it('computes the entry size without building it, and writes exactly that JSON (odd ids, topics, addresses)', () => {
    const ids = [
      '0a1b2c3d4e5f6789',
      'quo"te',
      'back\\slash',
      'ctl\u0001',
      'dél',
      'emoji 🦆',
      'lone \ud800',
      '\u007f',
    ];
    const addresses = ['127.0.0.1:4150', '[::1]:4150', 'nsqd-ü.internal:4150'];
    for (const id of ids)
      for (const address of addresses)
        for (const [attempts, bodyBytes] of [
          [1, 0],
          [65_535, 1],
          [7, 2],
          [12, 200],
        ] as const) {
          const d = new FakeDelivery(id, Buffer.alloc(bodyBytes, 0xfe), attempts, address);
          const m = new TrackedMessage(d, 'sub', 'tópic', 'chan"nel', 0);
          const expected = Buffer.from(m.encoded);
          expect(JSON.parse(m.encoded)).toMatchObject({ id, attempts, topic: 'tópic', nsqdAddress: address });
          expect(m.encodedBytes).toBe(expected.byteLength);
          const target = Buffer.alloc(m.encodedBytes + 4, 0);
          expect(m.writeEntry(target, 2)).toBe(m.encodedBytes);
          expect(target.subarray(2, 2 + m.encodedBytes).equals(expected)).toBe(true);
        }
  });
});
