import type { EventEmitter } from 'node:events';
import nsq from 'nsqjs';
import { describe, expect, it } from 'vitest';
import {
  connectionOf,
  finCommand,
  installMessageFactory,
  NsqDelivery,
  type NsqjsConnection,
} from '#bridge/nsq/nsq-source';
import { waitFor } from '#dev/services/wait';

/** nsqd's message frame: timestamp (int64 ns), attempts (uint16), 16-byte id, body. */
function frame(timestampNs: bigint, attempts: number, id: string, body: string): Buffer {
  const raw = Buffer.alloc(26 + Buffer.byteLength(body));
  raw.writeBigInt64BE(timestampNs, 0);
  raw.writeUInt16BE(attempts, 8);
  raw.write(id, 10, 'latin1');
  raw.write(body, 26);
  return raw;
}

/** A real nsqjs Message over the frame (its timer is unref'd and stopped by the answer). */
const message = (raw: Buffer) => new nsq.Message(raw as never, 90_000, 60_000, 900_000);

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

  it('builds FIN from the frame bytes for every id', () => {
    for (const id of ['0000000000000000', 'ffffffffffffffff', '0123456789abcdef']) {
      expect(finCommand(frame(0n, 1, id, '')).toString('latin1')).toBe(`FIN ${id}\n`);
    }
  });
});

describe('installMessageFactory', () => {
  /** A real, unconnected nsqjs connection whose writes are captured. */
  function connection(lean: boolean) {
    const { NSQDConnection } = nsq as unknown as {
      NSQDConnection: new (
        host: string,
        port: number,
        topic: string,
        channel: string,
        options: object,
      ) => unknown;
    };
    const conn = new NSQDConnection('127.0.0.1', 4150, 'orders', 'bridge', {}) as NsqjsConnection &
      EventEmitter & { outWriter: unknown };
    const writes: string[] = [];
    const events: string[] = [];
    conn.outWriter = { write: (data: Buffer) => writes.push(data.toString('latin1')) };
    conn.msgTimeout = 60_000;
    conn.maxMsgTimeout = 900_000;
    for (const name of ['finished', 'requeued', 'backoff']) conn.on(name, () => events.push(name));
    const record = { address: '127.0.0.1:4150', id: 'c#1', conn: undefined, corked: false };
    if (lean) installMessageFactory(conn, record);
    return { conn, writes, events, record };
  }

  it('creates messages that answer, write and emit exactly as nsqjs’s own createMessage', async () => {
    const runs = [];
    for (const lean of [false, true]) {
      const c = connection(lean);
      const raw = (id: string) => frame(5n, 3, id, 'body');
      const a = c.conn.createMessage(raw('aaaaaaaaaaaaaaaa'));
      const b = c.conn.createMessage(raw('bbbbbbbbbbbbbbbb'));
      const t = c.conn.createMessage(raw('cccccccccccccccc'));
      a.respond(nsq.Message.FINISH, finCommand(raw('aaaaaaaaaaaaaaaa')));
      b.requeue(1_500, false);
      t.touch();
      (t as unknown as EventEmitter).emit('backoff');
      await waitFor(() => c.writes.length === 3, { what: 'three commands written' });
      expect(a.timeUntilTimeout()).toBeNull();
      runs.push({ writes: c.writes, events: c.events });
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[1]?.writes).toEqual([
      'FIN aaaaaaaaaaaaaaaa\n',
      'REQ bbbbbbbbbbbbbbbb 1500\n',
      'TOUCH cccccccccccccccc\n',
    ]);
    expect(runs[1]?.events).toEqual(['backoff', 'finished', 'requeued']);
  });

  it('tags each message with its connection’s record, and arms no timer for it', () => {
    const c = connection(true);
    const msg = c.conn.createMessage(frame(1n, 1, 'dddddddddddddddd', ''));
    expect(connectionOf(msg)).toBe(c.record);
    // No timer per message (nsqjs's own arms one that only sets a flag nothing reads).
    expect((msg as unknown as { trackTimeoutId: unknown }).trackTimeoutId).toBeNull();
    const own = connection(false).conn.createMessage(frame(1n, 1, 'ffffffffffffffff', ''));
    expect((own as unknown as { trackTimeoutId: unknown }).trackTimeoutId).not.toBeNull();
    own.respond(nsq.Message.FINISH, finCommand(frame(1n, 1, 'ffffffffffffffff', '')));
    expect(connectionOf(message(frame(1n, 1, 'eeeeeeeeeeeeeeee', '')) as never).address).toBe('unknown');
  });
});
