/**
 * The shapes of the nsqjs internals nsqjs-internals.ts reaches (not in @types/nsqjs), and the record a
 * delivered message carries of its connection.
 */
import type { IdentifyResponse } from './identify-limits.ts';

/** The nsqjs internals of a connection (not in @types/nsqjs). */
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
export const CONNECTION: unique symbol = Symbol('nsq-lambda.connection');

export interface NsqjsMessage {
  [CONNECTION]?: ConnectionRecord;
  /** nsqd's message frame: timestamp (int64 ns), attempts (uint16), id (16 bytes), body. */
  rawMessage: Buffer;
  maxMsgTimeout: number;
  requeueDelay: number;
  /** Answered (FIN or REQ sent): nsqjs's `timeUntilTimeout` is null from then on. */
  hasResponded: boolean;
  /** The last TOUCH (or the delivery), ms since the epoch: nsqjs's soft timeout counts from it. */
  lastTouched: number;
  /** nsqjs's one-answer step: marks the message answered, stops its timer, writes `wireData`. */
  respond(responseType: number, wireData: Buffer): void;
  requeue(delay: number, backoff: boolean): void;
  touch(): void;
  timeUntilTimeout(hard?: boolean): number | null;
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
