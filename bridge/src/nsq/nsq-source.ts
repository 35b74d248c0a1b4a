/**
 * The NSQ side of one subscription, over an nsqjs Reader, with the nsqjs traps guarded
 * (see /docs/bridge.md "nsqjs traps"):
 * - answers go through `requeue(delay, false)` (never nsqjs backoff); nsqjs `maxAttempts` is 0;
 * - an `error` listener always, E_FIN/REQ/TOUCH_FAILED reported as `answer_failed` (non-fatal);
 * - a throwing message handler never reaches nsqjs (the engine's handler never throws; this wraps it anyway);
 * - TLS requested but not granted by nsqd: the connection is refused before AUTH/SUB, never plaintext;
 * - TLS servername (SNI) is sent; idleTimeout is 3× the heartbeat (dead-peer detection);
 * - discovery: every nsqlookupd is queried (union, per-request timeout, jitter, errors surfaced),
 *   direct nsqd addresses are re-dialled every second; `ready` is never relied on;
 * - `close()` only after the engine answered everything (drain), then waits for the sockets to end.
 */
import { connect as tlsConnect } from 'node:tls';
import nsq from 'nsqjs';
import type { BridgeConfig, BridgeSubscription } from '#shared/config/bridge-config';
import type { BridgeEventEmitter } from '../events.ts';
import type { DeliveryHandle, MessageSource } from '../ports.ts';
import { type IdentifyResponse, identifyProblem } from './identify-limits.ts';
import { discoverProducers } from './lookupd-discovery.ts';

const NON_FATAL = new Set(['E_FIN_FAILED', 'E_REQ_FAILED', 'E_TOUCH_FAILED']);
const REDIAL_INTERVAL_MS = 1_000;
const ERROR_REPEAT_MS = 30_000;

/** The nsqjs internals this module touches (not in @types/nsqjs). */
export interface NsqjsConnection {
  id(): string;
  nsqdHost: string;
  nsqdPort: number;
  config: {
    tls: boolean;
    tlsVerification: boolean;
    ca: unknown;
    key: unknown;
    cert: unknown;
    requeueDelay: number;
  };
  msgTimeout: number;
  maxMsgTimeout: number;
  write(data: Buffer): void;
  emit(event: string, ...args: unknown[]): boolean;
  conn: import('node:net').Socket | null;
  outWriter: unknown;
  registerStreamListeners(socket: unknown): void;
  createMessage(payload: Buffer): NsqjsMessage;
  startTLS(callback?: () => void): void;
  statemachine: {
    identifyResponse: IdentifyResponse | null;
    states: Record<string, { Enter?: (...args: unknown[]) => unknown }>;
    goto(state: string, ...args: unknown[]): unknown;
  };
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Where a delivered nsqjs message records the connection it came on. */
const CONNECTION = Symbol('nsq-lambda.connection');

export interface NsqjsMessage {
  [CONNECTION]?: ConnectionRecord;
  /** nsqd's message frame: timestamp (int64 ns), attempts (uint16), id (16 bytes), body. */
  rawMessage: Buffer;
  maxMsgTimeout: number;
  /** nsqjs's one-answer step: marks the message answered, stops its timer, writes `wireData`. */
  respond(responseType: number, wireData: Buffer): void;
  requeue(delay: number, backoff: boolean): void;
  touch(): void;
  timeUntilTimeout(hard?: boolean): number | null;
}

/** nsqjs's response types (`Message.FINISH`, `Message.REQUEUE`). */
const FINISH: number = nsq.Message.FINISH;
const REQUEUE: number = nsq.Message.REQUEUE;
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

export interface NsqSourceOptions {
  readonly subscription: BridgeSubscription;
  readonly config: BridgeConfig;
  readonly events: BridgeEventEmitter;
  /** @default fetch */
  readonly fetch?: typeof fetch;
}

export function createNsqSource(
  subscription: BridgeSubscription,
  context: { readonly config: BridgeConfig; readonly events: BridgeEventEmitter },
): MessageSource {
  return new NsqSource({ subscription, ...context });
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return [host, Number(address.slice(i + 1))];
}

/** One nsqd connection, as the deliveries on it need it. */
export interface ConnectionRecord {
  readonly address: string;
  /** Unique across reconnects. */
  readonly id: string;
  readonly conn: NsqjsConnection | undefined;
  /** Its writer is corked until the next turn of the event loop. */
  corked: boolean;
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
function cork(connection: ConnectionRecord): void {
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
 * under our symbol (cheaper than a WeakMap entry or a second 'message' listener). The same listeners
 * and connection events as nsqjs: RESPOND writes the command and emits FINISHED/REQUEUED (nsqjs's RDY
 * accounting), BACKOFF is passed on.
 */
export function installMessageFactory(conn: NsqjsConnection, record: ConnectionRecord): void {
  const names = conn.constructor as unknown as { FINISHED: string; REQUEUED: string; BACKOFF: string };
  // One listener of each kind per connection, shared by its messages (nsqjs makes two closures per message).
  const onRespond = (responseType: number, wireData: Buffer) => {
    conn.write(wireData);
    if (responseType === FINISH) conn.emit(names.FINISHED);
    else if (responseType === REQUEUE) conn.emit(names.REQUEUED);
  };
  const onBackoff = () => conn.emit(names.BACKOFF);
  conn.createMessage = function createMessage(payload: Buffer): NsqjsMessage {
    const msg = new BridgeMessage(payload, conn.config.requeueDelay, conn.msgTimeout, conn.maxMsgTimeout);
    msg[CONNECTION] = record;
    msg.on('respond', onRespond);
    msg.on('backoff', onBackoff);
    return msg;
  };
}

/**
 * A delivery over nsqjs: answers go to the connection that delivered it, never with nsqjs backoff.
 * Exported for tests.
 */
export class NsqDelivery implements DeliveryHandle {
  readonly id: string;
  readonly attempts: number;
  readonly body: Buffer;
  readonly timestampMs: number;
  readonly #msg: NsqjsMessage;
  readonly #connection: ConnectionRecord;

  constructor(msg: NsqjsMessage, connection: ConnectionRecord) {
    this.#msg = msg;
    this.#connection = connection;
    // Read from the frame once (nsqjs's getters slice and decode on every access).
    const raw = msg.rawMessage;
    // nsqd ids are 16 ASCII characters.
    this.id = raw.toString('latin1', 10, 26);
    // A uint16 (nsqjs reads it as a signed int16).
    this.attempts = raw.readUInt16BE(8);
    this.body = raw.subarray(26);
    // Nanoseconds as two uint32 halves: exact to well under a millisecond, with no BigInt per message.
    this.timestampMs = Math.floor((raw.readUInt32BE(0) * 4_294_967_296 + raw.readUInt32BE(4)) / 1_000_000);
  }

  get nsqdAddress(): string {
    return this.#connection.address;
  }

  get connectionId(): string {
    return this.#connection.id;
  }

  finish(): void {
    cork(this.#connection);
    this.#msg.respond(FINISH, finCommand(this.#msg.rawMessage));
  }

  requeue(delayMs: number): void {
    cork(this.#connection);
    this.#msg.requeue(Math.max(0, Math.floor(delayMs)), false);
  }

  touch(): void {
    cork(this.#connection);
    this.#msg.touch();
  }

  hardRemainingMs(): number | null {
    const msg = this.#msg;
    return msg.maxMsgTimeout > 0 ? msg.timeUntilTimeout(true) : Number.POSITIVE_INFINITY;
  }
}

export class NsqSource implements MessageSource {
  readonly #sub: BridgeSubscription;
  readonly #config: BridgeConfig;
  readonly #events: BridgeEventEmitter;
  readonly #fetch: typeof fetch;
  readonly #connected = new Set<string>();
  #connectionSeq = 0;
  #onConnectionClosed: ((connectionId: string) => void) | undefined;
  readonly #recentErrors = new Map<string, { atMs: number; suppressed: number }>();
  #reader: nsq.Reader | undefined;
  #onMessage: ((handle: DeliveryHandle) => void) | undefined;
  #paused = false;
  #closed = false;
  #redialTimer: NodeJS.Timeout | undefined;
  #lookupTimer: NodeJS.Timeout | undefined;
  readonly #lookupAbort = new AbortController();

  constructor(options: NsqSourceOptions) {
    this.#sub = options.subscription;
    this.#config = options.config;
    this.#events = options.events;
    this.#fetch = options.fetch ?? fetch;
  }

  get connectedCount(): number {
    return this.#connected.size;
  }

  start(
    onMessage: (handle: DeliveryHandle) => void,
    onConnectionClosed?: (connectionId: string) => void,
  ): void {
    if (this.#reader) return;
    this.#onMessage = onMessage;
    this.#onConnectionClosed = onConnectionClosed;
    const sub = this.#sub;
    const config = this.#config;
    const tls = config.tls;
    const source = this;
    // Reader validation needs an address list; we dial ourselves, so connect() is never called.
    const addresses =
      sub.nsqdTcpAddresses.length > 0
        ? { nsqdTCPAddresses: [...sub.nsqdTcpAddresses] }
        : { lookupdHTTPAddresses: [...sub.lookupdHttpAddresses] };
    class GuardedReader extends nsq.Reader {
      registerConnectionListeners(conn: NsqjsConnection): void {
        source.#guardConnection(conn);
        // @ts-expect-error: registerConnectionListeners is internal to nsqjs.
        super.registerConnectionListeners(conn);
        const connection: ConnectionRecord = {
          address: conn.id(),
          id: `${conn.id()}#${++source.#connectionSeq}`,
          conn,
          corked: false,
        };
        installMessageFactory(conn, connection);
        conn.on('ready', () => {
          source.#connected.add(conn.id());
          source.#events.emit('nsqd_connected', { subscription: sub.name, address: conn.id() });
        });
        conn.on('closed', () => {
          if (source.#connected.delete(conn.id()))
            source.#events.emit('nsqd_disconnected', { subscription: sub.name, address: conn.id() });
          try {
            source.#onConnectionClosed?.(connection.id);
          } catch (error) {
            source.#events.emit('error', { subscription: sub.name, error: error as Error });
          }
          // A lost nsqd: ask the lookupds again soon rather than at the next poll.
          if (!source.#closed && sub.lookupdHttpAddresses.length > 0) source.#scheduleLookup(1_000);
        });
      }
    }
    const heartbeatSec = config.heartbeatIntervalMs / 1000;
    const reader = new GuardedReader(sub.topic, sub.channelName, {
      ...addresses,
      maxInFlight: sub.maxInFlight,
      maxAttempts: 0,
      heartbeatInterval: heartbeatSec,
      idleTimeout: Math.ceil(heartbeatSec * 3),
      messageTimeout: sub.msgTimeoutMs,
      outputBufferTimeout: config.outputBufferTimeoutMs,
      clientId: `nsq-lambda-${sub.name}`.slice(0, 64),
      tls: tls.enabled,
      tlsVerification: tls.rejectUnauthorized,
      // nsqjs validates these as Buffers.
      ...(tls.caPem !== undefined && { ca: Buffer.from(tls.caPem) }),
      ...(tls.certPem !== undefined && { cert: Buffer.from(tls.certPem) }),
      ...(tls.keyPem !== undefined && { key: Buffer.from(tls.keyPem) }),
      ...(config.secrets.nsqAuthSecret !== undefined && { authSecret: config.secrets.nsqAuthSecret }),
    } as nsq.ReaderConnectionConfigOptions);
    this.#reader = reader;
    reader.on('error', (err: Error) => this.#onError(err));
    reader.on('message', (msg) => this.#deliver(msg as unknown as NsqjsMessage));
    if (this.#paused) reader.pause();
    this.#redial();
    if (sub.lookupdHttpAddresses.length > 0) this.#scheduleLookup(0);
  }

  pause(): void {
    this.#paused = true;
    this.#reader?.pause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    const reader = this.#reader;
    if (!reader) return;
    reader.unpause();
    // nsqjs resumes with RDY 1 until a message is FINished (TRY_ONE): with long functions that stalls the
    // subscription for a whole invocation. Go straight to the full RDY window instead.
    const rdy = (
      reader as unknown as { readerRdy?: { current_state_name?: string; goto(state: string): void } }
    ).readerRdy;
    if (rdy?.current_state_name === 'TRY_ONE') rdy.goto('MAX');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#redialTimer) clearTimeout(this.#redialTimer);
    if (this.#lookupTimer) clearTimeout(this.#lookupTimer);
    this.#lookupAbort.abort();
    const reader = this.#reader;
    if (!reader) return;
    reader.close();
    const deadline = Date.now() + 2_000;
    while (this.#connected.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  #deliver(msg: NsqjsMessage): void {
    let handle: DeliveryHandle;
    try {
      handle = new NsqDelivery(msg, connectionOf(msg));
    } catch (error) {
      this.#events.emit('error', { subscription: this.#sub.name, error: error as Error });
      msg.requeue(0, false);
      return;
    }
    try {
      this.#onMessage?.(handle);
    } catch (error) {
      // Never let a throwing handler reach nsqjs (it would crash the process).
      this.#events.emit('error', { subscription: this.#sub.name, error: error as Error });
    }
  }

  #onError(err: Error): void {
    const text = String(err?.message ?? err);
    const code = text.match(/\b(E_[A-Z_]+)\b/)?.[1];
    if (code && NON_FATAL.has(code)) {
      this.#events.emit('answer_failed', { subscription: this.#sub.name, code, message: text });
      return;
    }
    // The same connection error repeats on every redial (once a second) while an nsqd is down: report it
    // once per ERROR_REPEAT_MS, with the number of repeats suppressed meanwhile.
    const now = Date.now();
    const seen = this.#recentErrors.get(text);
    if (seen && now - seen.atMs < ERROR_REPEAT_MS) {
      seen.suppressed++;
      return;
    }
    this.#recentErrors.set(text, { atMs: now, suppressed: 0 });
    if (this.#recentErrors.size > 100) this.#recentErrors.clear();
    const repeats = seen?.suppressed ? ` (repeated ${seen.suppressed} times since last reported)` : '';
    this.#events.emit('error', {
      subscription: this.#sub.name,
      error: new Error(`nsq ${this.#sub.topic}/${this.#sub.channelName}: ${text}${repeats}`, { cause: err }),
    });
  }

  /**
   * After IDENTIFY, before AUTH and SUB: refuse a connection where nsqd did not grant the TLS asked for,
   * or whose max_rdy_count is below the subscription's maxInFlight (`nsqd_refused`); send SNI.
   */
  #guardConnection(conn: NsqjsConnection): void {
    const tls = this.#config.tls;
    const sm = conn.statemachine;
    const check = sm.states.IDENTIFY_COMPRESSION_CHECK;
    const original = check?.Enter;
    if (check && original) {
      check.Enter = (...args: unknown[]) => {
        if (tls.enabled && !sm.identifyResponse?.tls_v1)
          return sm.goto(
            'ERROR',
            new Error(
              `E_TLS_NOT_GRANTED nsqd ${conn.id()} did not grant TLS; refusing to continue in plaintext (start nsqd with --tls-cert/--tls-key, ideally --tls-required)`,
            ),
          );
        const problem = identifyProblem(sm.identifyResponse, this.#sub, conn.id());
        if (problem !== undefined) {
          this.#events.emit('nsqd_refused', { subscription: this.#sub.name, address: conn.id(), problem });
          return sm.goto('ERROR', new Error(`E_MAX_RDY_COUNT ${problem}`));
        }
        return original(...args);
      };
    }
    if (!tls.enabled) return;
    const servername = tls.servername ?? conn.nsqdHost;
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

  #redial(): void {
    if (this.#closed || !this.#reader) return;
    for (const address of this.#sub.nsqdTcpAddresses) {
      const [host, port] = splitHostPort(address);
      try {
        this.#reader.connectToNSQD(host, port);
      } catch (error) {
        this.#events.emit('error', { subscription: this.#sub.name, error: error as Error });
      }
    }
    const jitter = 0.8 + Math.random() * 0.4;
    this.#redialTimer = setTimeout(() => this.#redial(), REDIAL_INTERVAL_MS * jitter);
    this.#redialTimer.unref?.();
  }

  #scheduleLookup(inMs: number): void {
    if (this.#closed) return;
    if (this.#lookupTimer) clearTimeout(this.#lookupTimer);
    this.#lookupTimer = setTimeout(() => void this.#lookup(), inMs);
    this.#lookupTimer.unref?.();
  }

  async #lookup(): Promise<void> {
    const { producers, errors } = await discoverProducers({
      lookupdHttpAddresses: this.#sub.lookupdHttpAddresses,
      topic: this.#sub.topic,
      timeoutMs: this.#config.lookupdTimeoutMs,
      fetch: this.#fetch,
      signal: this.#lookupAbort.signal,
    });
    if (this.#closed) return;
    for (const error of errors) this.#events.emit('error', { subscription: this.#sub.name, error });
    for (const p of producers) {
      try {
        this.#reader?.connectToNSQD(p.host, p.tcpPort);
      } catch (error) {
        this.#events.emit('error', { subscription: this.#sub.name, error: error as Error });
      }
    }
    const jitter = 0.8 + Math.random() * 0.4;
    this.#scheduleLookup(this.#config.lookupdPollIntervalMs * jitter);
  }
}
