/**
 * Every nsqjs internal the bridge touches, in one place (nsqjs is pinned exactly in package.json, and
 * nsqjs-internals-check.ts verifies at start-up that each one is still there):
 * - the message factory: `NSQDConnection#createMessage` replaced by a lean one (no per-message timer,
 *   no debug strings), each message tagged with its connection's record;
 * - `finCommand`: FIN built from the frame bytes, answered through `Message#respond`;
 * - `cork`: a connection's `outWriter` corked until the next turn of the event loop;
 * - the IDENTIFY guard: the `IDENTIFY_COMPRESSION_CHECK` state hooked to refuse TLS not granted and a
 *   max_rdy_count below maxInFlight, before AUTH and SUB; `startTLS` replaced to send SNI;
 * - `Reader#registerConnectionListeners` overridden to reach each connection, and the RDY state machine
 *   moved from TRY_ONE to MAX on resume;
 * - each connection's RDY state machine (`ReaderRdy#createConnectionRdy`) with a MAX-state `bump` that
 *   checks the nsqd version once per connection instead of on every FIN.
 */
import { connect as tlsConnect } from 'node:tls';
import nsq from 'nsqjs';
// @ts-expect-error: nsqjs's RDY module has no types.
import { ConnectionRdy } from 'nsqjs/lib/readerrdy.js';
// Imported, not read at run time: the bridge image runs a bundle with no node_modules beside it.
import nsqjsPackage from 'nsqjs/package.json' with { type: 'json' };
import type { IdentifyResponse } from './identify-limits.ts';
import { checkNsqjsInternals, type NsqjsModule } from './nsqjs-internals-check.ts';
import { CONNECTION, type ConnectionRecord, type NsqjsConnection, type NsqjsMessage } from './nsqjs-types.ts';

export type { ConnectionRecord, NsqjsConnection, NsqjsMessage } from './nsqjs-types.ts';

/** The installed nsqjs, as the start-up check sees it. */
export function installedNsqjs(): NsqjsModule {
  const { version } = nsqjsPackage as { version: string };
  const { Message, Reader, NSQDConnection } = nsq as unknown as Record<string, unknown>;
  return { version, Message, Reader, NSQDConnection, ConnectionRdy };
}

let checked = false;

/** Checks once per process that the installed nsqjs has every internal used here; throws naming them. */
export function assertNsqjsInternals(): void {
  if (checked) return;
  checkNsqjsInternals(installedNsqjs());
  checked = true;
}

/** nsqjs's response types (`Message.FINISH`, `Message.REQUEUE`). */
export const FINISH: number = nsq.Message.FINISH;
const REQUEUE: number = nsq.Message.REQUEUE;
const TOUCH: number = (nsq.Message as unknown as { TOUCH: number }).TOUCH;
const FIN_PREFIX = Buffer.from('FIN ', 'latin1');

/**
 * The FIN command for a message frame: `FIN <16-byte id>\n`, copied from the frame. nsqjs's own
 * `finish()` decodes the id to a string and builds the command through a generic encoder (an array
 * join, three Buffers and a concat per message); the bytes are the same.
 */
export function finCommand(rawMessage: Buffer): Buffer {
  const fin = Buffer.allocUnsafe(21);
  FIN_PREFIX.copy(fin, 0);
  rawMessage.copy(fin, 4, 10, 26);
  fin[20] = 0x0a;
  return fin;
}

const UNKNOWN_CONNECTION: ConnectionRecord = {
  address: 'unknown',
  id: 'unknown',
  conn: undefined,
  corked: false,
};

/** The record of the connection that delivered `msg` (set by `installMessageFactory`). */
export function connectionOf(msg: NsqjsMessage): ConnectionRecord {
  return msg[CONNECTION] ?? UNKNOWN_CONNECTION;
}

/**
 * nsqjs writes each FIN/REQ/TOUCH to the socket on its own: one syscall per message. Answers to a
 * batch are given in one tick, so cork the connection's writer until the next turn of the event loop
 * and they leave in one writev.
 */
export function cork(connection: ConnectionRecord): void {
  if (connection.corked || !connection.conn) return;
  const writer = connection.conn.outWriter as import('node:stream').Writable | null;
  if (!writer || typeof writer.cork !== 'function') return;
  writer.cork();
  connection.corked = true;
  setImmediate(() => {
    connection.corked = false;
    writer.uncork();
  });
}

/**
 * nsqjs's Message without its per-message timer: its constructor arms a setTimeout per message (re-armed
 * until the answer) only to set a `timedOut` flag that nothing reads. The engine's TouchManager keeps
 * the deadlines, with one timer for all messages.
 */
class BridgeMessage extends (nsq.Message as unknown as new (
  raw: Buffer,
  requeueDelay: number,
  msgTimeout: number,
  maxMsgTimeout: number,
) => NsqjsMessage & import('node:events').EventEmitter) {
  trackTimeout(): void {}
}

/**
 * Replaces the connection's `createMessage` with nsqjs 0.13's own, less its per-message debug lines
 * (their template strings decode the id twice and build two strings per message even when DEBUG is
 * off) and its per-message timer (`BridgeMessage`). Each message carries the connection's record
 * under our symbol (cheaper than a WeakMap entry or a second 'message' listener). The same writes and
 * connection events as nsqjs: an answer writes the command and emits FINISHED/REQUEUED (nsqjs's RDY
 * accounting), a requeue with backoff emits BACKOFF. But in the same tick: nsqjs's `respond` defers
 * them with a `process.nextTick` and two listeners per message; here the connection's message class
 * calls the one handler of its connection (the engine answers each message once, so nothing needs
 * the deferral).
 */
export function installMessageFactory(conn: NsqjsConnection, record: ConnectionRecord): void {
  const names = conn.constructor as unknown as { FINISHED: string; REQUEUED: string; BACKOFF: string };
  // One listener of each kind per connection, shared by its messages (nsqjs makes two closures per message).
  const onRespond = (responseType: number, wireData: Buffer) => {
    conn.write(wireData);
    if (responseType === FINISH) conn.emit(names.FINISHED);
    else if (responseType === REQUEUE) conn.emit(names.REQUEUED);
  };
  class ConnectionMessage extends BridgeMessage {
    override respond(responseType: number, wireData: Buffer): void {
      if (this.hasResponded) return;
      if (responseType === TOUCH) this.lastTouched = Date.now();
      else this.hasResponded = true;
      onRespond(responseType, wireData);
    }
    override requeue(delay: number = this.requeueDelay, backoff = true): void {
      super.requeue(delay, false);
      if (backoff) conn.emit(names.BACKOFF);
    }
  }
  conn.createMessage = function createMessage(payload: Buffer): NsqjsMessage {
    const msg = new ConnectionMessage(payload, conn.config.requeueDelay, conn.msgTimeout, conn.maxMsgTimeout);
    msg[CONNECTION] = record;
    return msg;
  };
}

export interface ConnectionGuard {
  /** Refuse a connection where nsqd did not grant TLS (asked for when enabled). */
  readonly tlsEnabled: boolean;
  /** Sent as SNI (not when it is an IP address). @default the nsqd host */
  readonly servername?: string | undefined;
  /** Called with nsqd's IDENTIFY response; a returned Error refuses the connection. */
  readonly onIdentify: (response: IdentifyResponse | null) => Error | undefined;
}

/**
 * After IDENTIFY, before AUTH and SUB: refuse a connection where nsqd did not grant the TLS asked for,
 * or that `onIdentify` refuses; send SNI.
 */
export function guardConnection(conn: NsqjsConnection, guard: ConnectionGuard): void {
  const sm = conn.statemachine;
  const check = sm.states.IDENTIFY_COMPRESSION_CHECK;
  const original = check?.Enter;
  if (check && original) {
    check.Enter = (...args: unknown[]) => {
      if (guard.tlsEnabled && !sm.identifyResponse?.tls_v1)
        return sm.goto(
          'ERROR',
          new Error(
            `E_TLS_NOT_GRANTED nsqd ${conn.id()} did not grant TLS; refusing to continue in plaintext (start nsqd with --tls-cert/--tls-key, ideally --tls-required)`,
          ),
        );
      const refusal = guard.onIdentify(sm.identifyResponse);
      if (refusal !== undefined) return sm.goto('ERROR', refusal);
      return original(...args);
    };
  }
  if (!guard.tlsEnabled) return;
  const servername = guard.servername ?? conn.nsqdHost;
  conn.startTLS = function startTLS(callback?: () => void) {
    const plain = conn.conn;
    if (!plain) return;
    for (const event of ['data', 'error', 'close']) plain.removeAllListeners(event);
    const secure = tlsConnect(
      {
        socket: plain,
        rejectUnauthorized: conn.config.tlsVerification,
        ...(conn.config.ca != null && { ca: conn.config.ca as string }),
        ...(conn.config.key != null && { key: conn.config.key as string }),
        ...(conn.config.cert != null && { cert: conn.config.cert as string }),
        ...(!/^[\d.]+$|:/.test(servername) && { servername }),
      },
      () => {
        conn.conn = secure;
        callback?.();
      },
    );
    conn.outWriter = secure;
    conn.registerStreamListeners(secure);
  };
}

/** Called for every nsqd connection the Reader makes, around nsqjs's own listeners. */
export interface ConnectionHooks {
  readonly before: (conn: NsqjsConnection) => void;
  readonly after: (conn: NsqjsConnection) => void;
}

/** An nsqjs Reader that hands each connection to `hooks` before it connects. */
export function createHookedReader(
  topic: string,
  channel: string,
  options: nsq.ReaderConnectionConfigOptions,
  hooks: ConnectionHooks,
): nsq.Reader {
  class HookedReader extends nsq.Reader {
    registerConnectionListeners(conn: NsqjsConnection): void {
      hooks.before(conn);
      // @ts-expect-error: registerConnectionListeners is internal to nsqjs.
      super.registerConnectionListeners(conn);
      hooks.after(conn);
    }
  }
  return new HookedReader(topic, channel, options);
}

/**
 * nsqjs resumes with RDY 1 until a message is FINished (TRY_ONE): with long functions that stalls the
 * subscription for a whole invocation. Go straight to the full RDY window instead.
 */
export function skipTryOne(reader: nsq.Reader): void {
  const rdy = (
    reader as unknown as { readerRdy?: { current_state_name?: string; goto(state: string): void } }
  ).readerRdy;
  if (rdy?.current_state_name === 'TRY_ONE') rdy.goto('MAX');
}

type ConnectionRdyInternals = {
  conn: { nsqdVersion?: string };
  statemachine: { states: { MAX: { bump: () => unknown } } };
};

/**
 * nsqjs raises `bump` on every FIN, and its MAX state re-checks there whether nsqd predates 0.3.0 (RDY
 * re-sent) with a `split` and two array-to-string conversions: 3 % of the bridge's CPU at 200 B. The
 * answer cannot change on a connection: it is taken once, by nsqjs's own comparison, once IDENTIFY told
 * the version (before that, nsqjs's bump runs as it is).
 */
export function bumpWithVersionOnce(reader: nsq.Reader): void {
  const rdy = (
    reader as unknown as { readerRdy: { createConnectionRdy(c: unknown): ConnectionRdyInternals } }
  ).readerRdy;
  const create = rdy.createConnectionRdy.bind(rdy);
  rdy.createConnectionRdy = (conn) => {
    const connectionRdy = create(conn);
    const max = connectionRdy.statemachine.states.MAX;
    const bump = max.bump;
    let old: boolean | undefined;
    max.bump = () => {
      const version = connectionRdy.conn.nsqdVersion;
      if (old === undefined && version) old = isBeforeRdy030(version);
      return old === false ? undefined : bump();
    };
    return connectionRdy;
  };
}

/** nsqjs's test as it is (the arrays compare as strings): `version.split('.') < [0, 3, 0]`. */
export function isBeforeRdy030(version: string): boolean {
  return String(version.split('.')) < String([0, 3, 0]);
}
