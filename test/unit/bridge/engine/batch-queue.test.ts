import { describe, expect, it } from 'vitest';
import { TrackedMessage } from '#bridge/delivery';
import { BatchQueue, type BatchQueueConfig } from '#bridge/engine/batch-queue';
import { FakeClock, FakeDelivery } from '../fakes.ts';

function setup(config: Partial<BatchQueueConfig> = {}) {
  const clock = new FakeClock();
  let flushes = 0;
  const queue = new BatchQueue(
    { maxMessages: 3, maxBytes: 100_000, maxWaitMs: 1_000, emptyEventBytes: 100, ...config },
    clock,
    () => flushes++,
  );
  const add = (id: string, connectionId = 'c1') => {
    const m = new TrackedMessage(
      new FakeDelivery(id, `body-${id}`, 1, '127.0.0.1:4150', connectionId),
      's',
      't',
      'c',
      clock.now(),
    );
    queue.push(m);
    return m;
  };
  return { clock, queue, add, flushes: () => flushes };
}

const ids = (ms: readonly TrackedMessage[]) => ms.map((m) => m.id);

describe('BatchQueue', () => {
  it('is ready at maxMessages, and waits maxWaitMs after the oldest message otherwise', () => {
    const { queue, add, clock } = setup();
    expect(queue.next(clock.now())).toEqual({ kind: 'empty' });
    add('a');
    expect(queue.next(clock.now())).toEqual({ kind: 'wait', untilMs: clock.now() + 1_000 });
    add('b');
    add('c');
    add('d');
    const next = queue.next(clock.now());
    expect(next.kind === 'ready' && ids(next.batch)).toEqual(['a', 'b', 'c']);
    if (next.kind === 'ready') queue.take(next.batch);
    expect(queue.length).toBe(1);
    expect(queue.next(clock.now() + 1_000).kind).toBe('ready');
  });

  it('fills up to maxBytes of encoded event (entries plus commas) and never passes it', () => {
    const { queue, add, clock } = setup({ maxMessages: 100 });
    const a = add('a');
    add('b');
    const limit = 100 + a.encodedBytes + 1 + a.encodedBytes - 1; // one byte short of two entries
    const { queue: small, add: addSmall } = setup({ maxMessages: 100, maxBytes: limit });
    addSmall('a');
    addSmall('b');
    const next = small.next(clock.now());
    expect(next.kind === 'ready' && ids(next.batch)).toEqual(['a']);
    expect(queue.next(clock.now()).kind).toBe('wait');
  });

  it('keeps a second delivery of an id, and busy ids, out of a batch until released', () => {
    const { queue, add, clock } = setup({ maxMessages: 2 });
    add('a');
    add('a');
    add('b');
    const first = queue.next(clock.now());
    expect(first.kind === 'ready' && ids(first.batch)).toEqual(['a', 'b']);
    if (first.kind !== 'ready') return;
    queue.take(first.batch);
    const later = clock.now() + 1_000;
    expect(queue.next(later)).toEqual({ kind: 'empty' }); // 'a' is busy
    queue.release(first.batch);
    const second = queue.next(later);
    expect(second.kind === 'ready' && ids(second.batch)).toEqual(['a']);
  });

  it('skips a message answered while it waited', () => {
    const { queue, add, clock } = setup({ maxMessages: 2 });
    add('a').finish();
    add('b');
    add('c');
    const next = queue.next(clock.now());
    expect(next.kind === 'ready' && ids(next.batch)).toEqual(['b', 'c']);
  });

  it('gives up the queued twins of an answered message (same id, same connection) and a closed connection', () => {
    const { queue, add } = setup();
    const a = add('a', 'c1');
    const twin = add('a', 'c1');
    add('a', 'c2');
    add('b', 'c2');
    expect(queue.takeTwins(a)).toEqual([twin]);
    expect(ids(queue.takeConnection('c2'))).toEqual(['b', 'a']);
    expect(queue.length).toBe(1);
    expect(ids(queue.takeAll())).toEqual(['a']);
    expect(queue.takeTwins(a)).toEqual([]);
  });

  it('arms one flush timer on the clock, moved only to an earlier time', () => {
    const { queue, clock, flushes } = setup();
    queue.scheduleFlush(clock.now() + 500);
    queue.scheduleFlush(clock.now() + 800);
    clock.advance(499);
    expect(flushes()).toBe(0);
    clock.advance(1);
    expect(flushes()).toBe(1);
    queue.scheduleFlush(clock.now() + 100);
    queue.clearFlush();
    clock.advance(1_000);
    expect(flushes()).toBe(1);
  });
});
