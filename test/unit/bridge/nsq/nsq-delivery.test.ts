import nsq from 'nsqjs';
import { describe, expect, it } from 'vitest';
import { NsqDelivery } from '#bridge/nsq/nsq-delivery';
import { frame, message } from './frames.ts';

/** The wire bytes nsqjs hands its connection for the message's next answer. */
function nextAnswer(msg: nsq.Message): Promise<{ type: number; wire: Buffer }> {
  return new Promise((resolve) =>
    msg.once('respond', (type: number, wire: Buffer) => resolve({ type, wire: Buffer.from(wire) })),
  );
}

const connection = { address: '127.0.0.1:4150', id: '127.0.0.1:4150#1', conn: undefined, corked: false };

describe('NsqDelivery', () => {
  it('reads id, attempts, timestamp and body from the frame, attempts as nsqd’s uint16', () => {
    const timestampNs = 1_795_000_123_456_789_012n;
    const raw = frame(timestampNs, 40_000, '0a1b2c3d4e5f6789', '{"order":1}');
    const d = new NsqDelivery(message(raw) as never, connection);
    expect(d.id).toBe('0a1b2c3d4e5f6789');
    // nsqjs's own getter reads it as a signed int16.
    expect(message(raw).attempts).toBe(40_000 - 65_536);
    expect(d.attempts).toBe(40_000);
    expect(d.timestampMs).toBe(Number(timestampNs / 1_000_000n));
    expect(d.body.toString()).toBe('{"order":1}');
    expect(d.nsqdAddress).toBe('127.0.0.1:4150');
    expect(d.connectionId).toBe('127.0.0.1:4150#1');
  });

  it('FINs with the very bytes nsqjs’s own finish() sends, once, as a FINISH answer', async () => {
    const raw = frame(1n, 1, '0a1b2c3d4e5f6789', 'x');
    const ours = message(raw);
    const theirs = message(raw);
    const oursAnswer = nextAnswer(ours);
    const theirsAnswer = nextAnswer(theirs);
    new NsqDelivery(ours as never, connection).finish();
    theirs.finish();
    const [a, b] = await Promise.all([oursAnswer, theirsAnswer]);
    expect(a.wire.toString('latin1')).toBe('FIN 0a1b2c3d4e5f6789\n');
    expect(a.wire.equals(b.wire)).toBe(true);
    expect(a.type).toBe(nsq.Message.FINISH);
    // nsqjs's one-answer flag is set: a second answer is dropped by nsqjs itself.
    expect((ours as unknown as { hasResponded: boolean }).hasResponded).toBe(true);
  });
});
