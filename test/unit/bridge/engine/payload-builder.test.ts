import { describe, expect, it } from 'vitest';
import { TrackedMessage } from '#bridge/delivery';
import { BATCH_ID_RESERVE_CHARS, PayloadBuilder } from '#bridge/engine/payload-builder';
import { LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES } from '#shared/config/subscription';
import { bodyText, type NsqBatchEvent } from '#shared/contract/batch-event';
import { FakeDelivery } from '../fakes.ts';

const builder = (maxBytes = 100_000) =>
  new PayloadBuilder({ subscription: 'orders', topic: 'orders', channel: 'bridge', maxBytes });

const message = (b: PayloadBuilder, id: string, body: string | Buffer = `body-${id}`) => {
  const d = new FakeDelivery(id, body);
  return new TrackedMessage(d, 'orders', 'orders', 'bridge', 0, b.entryTail(d.nsqdAddress));
};

describe('PayloadBuilder', () => {
  it('writes the batch event in one buffer of exactly its computed size', () => {
    const b = builder();
    const ms = [message(b, 'a'), message(b, 'b', Buffer.from([0, 255, 34, 92])), message(b, 'ü"')];
    const payload = b.build('batch-1', ms);
    const event = JSON.parse(Buffer.from(payload).toString('utf8')) as NsqBatchEvent;
    expect(event).toMatchObject({
      version: 1,
      source: 'nsq-lambda',
      batchId: 'batch-1',
      subscription: 'orders',
    });
    expect(event.messages.map((m) => m.id)).toEqual(['a', 'b', 'ü"']);
    expect(bodyText(event.messages[0] as never)).toBe('body-a');
    const entries = ms.reduce((sum, m) => sum + m.encodedBytes, 0) + ms.length - 1;
    expect(payload.byteLength).toBe(b.envelopeBytes('batch-1'.length) + entries);
  });

  it('sizes an empty event with room for the longest batch id', () => {
    const b = builder();
    expect(b.emptyEventBytes).toBe(b.envelopeBytes(BATCH_ID_RESERVE_CHARS));
    expect(b.build('x'.repeat(BATCH_ID_RESERVE_CHARS), []).byteLength).toBe(b.emptyEventBytes);
  });

  it('turns away a message whose event alone passes maxBytes, naming the limit it passes', () => {
    const small = builder(1_000);
    expect(small.oversize(message(small, 'a'))).toBeUndefined();
    expect(small.oversize(message(small, 'b', 'x'.repeat(1_000)))).toMatch(
      /over the subscription's maxBytes \(1000\)/,
    );
    const big = builder(LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES);
    expect(big.oversize(message(big, 'c', Buffer.alloc(LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES)))).toMatch(
      /exceeds Lambda's .*-byte Invoke limit on its own/,
    );
  });

  it('caches one entry tail per nsqd address', () => {
    const b = builder();
    expect(b.entryTail('a:4150')).toBe(b.entryTail('a:4150'));
    expect(b.entryTail('b:4150').text).toContain('"nsqdAddress":"b:4150"');
  });
});
