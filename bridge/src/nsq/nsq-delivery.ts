/**
 * One nsqjs delivery as the engine's `DeliveryHandle`: id, attempts, timestamp and body read from the
 * frame once; answers go to the connection that delivered it, corked, never with nsqjs backoff.
 */
import type { DeliveryHandle } from '../ports.ts';
import { type ConnectionRecord, cork, FINISH, finCommand, type NsqjsMessage } from './nsqjs-internals.ts';

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
