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
import type nsq from 'nsqjs';
import type { BridgeConfig, BridgeSubscription } from '#shared/config/bridge-config';
import type { BridgeEventEmitter } from '../events.ts';
import type { DeliveryHandle, MessageSource } from '../ports.ts';
import { identifyProblem } from './identify-limits.ts';
import { discoverProducers } from './lookupd-discovery.ts';
import { NsqDelivery } from './nsq-delivery.ts';
import {
  assertNsqjsInternals,
  bumpWithVersionOnce,
  type ConnectionRecord,
  connectionOf,
  createHookedReader,
  guardConnection,
  installMessageFactory,
  type NsqjsConnection,
  type NsqjsMessage,
  skipTryOne,
} from './nsqjs-internals.ts';

const NON_FATAL = new Set(['E_FIN_FAILED', 'E_REQ_FAILED', 'E_TOUCH_FAILED']);
const REDIAL_INTERVAL_MS = 1_000;
const ERROR_REPEAT_MS = 30_000;

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
    assertNsqjsInternals();
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
    // Reader validation needs an address list; we dial ourselves, so connect() is never called.
    const addresses =
      sub.nsqdTcpAddresses.length > 0
        ? { nsqdTCPAddresses: [...sub.nsqdTcpAddresses] }
        : { lookupdHTTPAddresses: [...sub.lookupdHttpAddresses] };
    const heartbeatSec = config.heartbeatIntervalMs / 1000;
    const options = {
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
    } as nsq.ReaderConnectionConfigOptions;
    const reader = createHookedReader(sub.topic, sub.channelName, options, {
      before: (conn) => this.#guardConnection(conn),
      after: (conn) => this.#track(conn),
    });
    bumpWithVersionOnce(reader);
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
    skipTryOne(reader);
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
    guardConnection(conn, {
      tlsEnabled: tls.enabled,
      servername: tls.servername,
      onIdentify: (response) => {
        const problem = identifyProblem(response, this.#sub, conn.id());
        if (problem === undefined) return undefined;
        this.#events.emit('nsqd_refused', { subscription: this.#sub.name, address: conn.id(), problem });
        return new Error(`E_MAX_RDY_COUNT ${problem}`);
      },
    });
  }

  /** Gives the connection its record and message factory, and follows it to ready and closed. */
  #track(conn: NsqjsConnection): void {
    const sub = this.#sub;
    const connection: ConnectionRecord = {
      address: conn.id(),
      id: `${conn.id()}#${++this.#connectionSeq}`,
      conn,
      corked: false,
    };
    installMessageFactory(conn, connection);
    conn.on('ready', () => {
      this.#connected.add(conn.id());
      this.#events.emit('nsqd_connected', { subscription: sub.name, address: conn.id() });
    });
    conn.on('closed', () => {
      if (this.#connected.delete(conn.id()))
        this.#events.emit('nsqd_disconnected', { subscription: sub.name, address: conn.id() });
      try {
        this.#onConnectionClosed?.(connection.id);
      } catch (error) {
        this.#events.emit('error', { subscription: sub.name, error: error as Error });
      }
      // A lost nsqd: ask the lookupds again soon rather than at the next poll.
      if (!this.#closed && sub.lookupdHttpAddresses.length > 0) this.#scheduleLookup(1_000);
    });
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
