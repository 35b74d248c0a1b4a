import type { EventEmitter } from 'node:events';
import nsq from 'nsqjs';
import { describe, expect, it } from 'vitest';
import {
  connectionOf,
  finCommand,
  installMessageFactory,
  type NsqjsConnection,
} from '#bridge/nsq/nsqjs-internals';
import { waitFor } from '#dev/services/wait';
import { frame, message } from './frames.ts';

describe('finCommand', () => {
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
