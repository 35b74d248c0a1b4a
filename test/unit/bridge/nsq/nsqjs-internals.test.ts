import { type EventEmitter, EventEmitter as EventEmitterClass } from 'node:events';
import nsq from 'nsqjs';
import { describe, expect, it } from 'vitest';
import {
  bumpWithVersionOnce,
  connectionOf,
  finCommand,
  installMessageFactory,
  isBeforeRdy030,
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

  it('creates messages that answer, write and emit as nsqjs’s own createMessage', async () => {
    const runs = [];
    for (const lean of [false, true]) {
      const c = connection(lean);
      const raw = (id: string) => frame(5n, 3, id, 'body');
      const a = c.conn.createMessage(raw('aaaaaaaaaaaaaaaa'));
      const b = c.conn.createMessage(raw('bbbbbbbbbbbbbbbb'));
      const t = c.conn.createMessage(raw('cccccccccccccccc'));
      const d = c.conn.createMessage(raw('dddddddddddddddd'));
      a.respond(nsq.Message.FINISH, finCommand(raw('aaaaaaaaaaaaaaaa')));
      b.requeue(1_500, false);
      t.touch();
      d.requeue(2_000, true);
      await waitFor(() => c.writes.length === 4, { what: 'four commands written' });
      expect(a.timeUntilTimeout()).toBeNull();
      expect(t.timeUntilTimeout()).not.toBeNull();
      // nsqjs gives no order between BACKOFF and REQUEUED (its ReaderRdy handles either).
      runs.push({ writes: c.writes, events: [...c.events].sort() });
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[1]?.writes).toEqual([
      'FIN aaaaaaaaaaaaaaaa\n',
      'REQ bbbbbbbbbbbbbbbb 1500\n',
      'TOUCH cccccccccccccccc\n',
      'REQ dddddddddddddddd 2000\n',
    ]);
    expect(runs[1]?.events).toEqual(['backoff', 'finished', 'requeued', 'requeued']);
  });

  it('answers in the same tick, once: no process.nextTick and no listener per message', () => {
    const c = connection(true);
    const raw = frame(5n, 3, 'aaaaaaaaaaaaaaaa', 'body');
    const a = c.conn.createMessage(raw);
    expect((a as unknown as EventEmitter).eventNames()).toEqual([]);
    a.respond(nsq.Message.FINISH, finCommand(raw));
    expect(c.writes).toEqual(['FIN aaaaaaaaaaaaaaaa\n']);
    expect(c.events).toEqual(['finished']);
    expect(a.timeUntilTimeout(true)).toBeNull();
    // Answered once, in the same tick (nsqjs's own would write FIN and then REQ here: its flag is set on the next tick).
    a.requeue(0, false);
    a.touch();
    expect(c.writes).toHaveLength(1);
    // nsqjs's own writes on the next tick.
    const own = connection(false);
    own.conn.createMessage(raw).respond(nsq.Message.FINISH, finCommand(raw));
    expect(own.writes).toEqual([]);
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

describe('bumpWithVersionOnce', () => {
  /** A real, unconnected nsqjs Reader and one ConnectionRdy of it over a connection that records RDY. */
  async function rdyMachine(patched: boolean, nsqdVersion: string | undefined) {
    const reader = new nsq.Reader('orders', 'bridge', { nsqdTCPAddresses: ['127.0.0.1:4150'] });
    if (patched) bumpWithVersionOnce(reader);
    const rdySent: number[] = [];
    const conn = Object.assign(new EventEmitterClass(), {
      id: () => '127.0.0.1:4150',
      topic: 'orders',
      channel: 'bridge',
      nsqdVersion,
      maxRdyCount: 2_500,
      setRdy: (n: number) => rdySent.push(n),
    });
    const readerRdy = (
      reader as unknown as { readerRdy: { createConnectionRdy(c: unknown): ConnectionRdyLike } }
    ).readerRdy;
    const connRdy = readerRdy.createConnectionRdy(conn);
    connRdy.maxConnRdy = 100;
    connRdy.statemachine.goto('MAX');
    await waitFor(() => rdySent.length === 1, { what: 'RDY 100 on entering MAX' });
    return { conn, connRdy, rdySent };
  }
  interface ConnectionRdyLike {
    maxConnRdy: number;
    availableRdy: number;
    bump(): void;
    statemachine: { goto(state: string): void };
  }

  /** Bumps with the RDY window low (a re-send is due on nsqd before 0.3.0), then with it full. */
  async function bumps(patched: boolean, versions: readonly (string | undefined)[]) {
    const m = await rdyMachine(patched, versions[0]);
    const seen: number[][] = [];
    for (const version of versions) {
      m.conn.nsqdVersion = version;
      m.connRdy.availableRdy = 10;
      m.connRdy.bump();
      m.connRdy.availableRdy = 90;
      m.connRdy.bump();
      seen.push(m.rdySent.splice(0));
    }
    return seen;
  }

  it.each([
    [['1.3.0', '1.3.0']],
    [['0.2.28', '0.2.28']],
    [['0.3.0']],
    [[undefined, undefined, '1.3.0', '1.3.0']],
    [[undefined, '0.2.28']],
  ])('sends the RDY nsqjs sends for nsqd versions %j', async (versions) => {
    const expected = await bumps(false, versions);
    expect(await bumps(true, versions)).toEqual(expected);
    // The cases above cover both answers: RDY re-sent before 0.3.0 (and while unknown), never after.
    expect(expected.flat().every((n) => n === 100)).toBe(true);
  });

  it.each([
    ['1.3.0', false],
    ['0.3.0', false],
    ['0.2.28', true],
    ['0.10.0', true], // nsqjs compares the arrays as strings; kept as it is
  ])('isBeforeRdy030(%s) is %s, as nsqjs compares', (version, before) => {
    expect(isBeforeRdy030(version)).toBe(before);
    expect(isBeforeRdy030(version)).toBe((version.split('.') as unknown as number[]) < [0, 3, 0]);
  });
});
