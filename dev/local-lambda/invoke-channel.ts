/**
 * How an invocation reaches a worker: on a pipe of its own (the worker's fd 4), one frame per invocation,
 * the `invoke` message as a line of JSON (protocol.ts) and then the request body's bytes exactly as received.
 * The worker answers on the IPC channel.
 *
 * Through Node's IPC ('json' serialisation) the payload text was JSON.stringified into the message (every
 * quote escaped), written as UTF-8, then parsed as a message and parsed again as the event: at 1.4 MB a batch
 * that was about 40 % of the server's CPU. Here the bytes are decoded once, in the worker, chunk by chunk
 * into strings on the V8 heap. Nothing is collected into one Buffer outside the heap (the reason 'advanced'
 * serialisation was rejected: the leak detector warned about healthy functions). One frame is one write.
 */
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ParentMessage } from './protocol.ts';

/** The worker's file descriptor of the invoke pipe (stdio: ignore, stdout, stderr, ipc, invocations). */
export const invokeFd = 4;

/** A request body as it came off the socket: never concatenated into one Buffer outside the heap. */
export type Payload = readonly Buffer[];

export function payloadBytes(payload: Payload): number {
  let bytes = 0;
  for (const chunk of payload) bytes += chunk.length;
  return bytes;
}

/** The payload's UTF-8 text, as `Buffer.concat(payload).toString('utf8')` gives it. */
export function payloadText(payload: Payload): string {
  if (payload.length === 1) return payload[0]?.toString('utf8') ?? '';
  const decoder = new StringDecoder('utf8');
  let text = '';
  for (const chunk of payload) text += decoder.write(chunk);
  return text + decoder.end();
}

/** The server's end: the message and the payload, written together (one writev). */
export function writeInvoke(pipe: Writable, message: ParentMessage, payload: Payload): void {
  pipe.cork();
  pipe.write(`${JSON.stringify(message)}\n`);
  for (const chunk of payload) pipe.write(chunk);
  pipe.uncork();
}

type Deliver = (message: ParentMessage, payload: string) => void;

/**
 * The worker's end: reads frames and hands over each message with its payload's UTF-8 text (as
 * `Buffer#toString('utf8')` gives it) once the payload's last byte has arrived.
 */
export class InvokeReader {
  readonly #deliver: Deliver;
  readonly #decoder = new StringDecoder('utf8');
  /** The bytes of a message line not yet complete. */
  #line: Buffer[] = [];
  #message: ParentMessage | undefined;
  #parts: string[] = [];
  #receivedBytes = 0;

  constructor(deliver: Deliver) {
    this.#deliver = deliver;
  }

  /** Reads from `invokeFd`. The pipe never keeps the process alive (the IPC channel decides that). */
  static open(deliver: Deliver): InvokeReader {
    const reader = new InvokeReader(deliver);
    const socket = new Socket({ fd: invokeFd, readable: true, writable: false });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => {}); // the server went away: 'disconnect' ends the worker
    socket.unref();
    return reader;
  }

  /** Bytes arrived on the pipe. */
  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const message = this.#message;
      if (!message) {
        const end = chunk.indexOf(0x0a, at);
        this.#line.push(chunk.subarray(at, end === -1 ? chunk.length : end));
        if (end === -1) return;
        at = end + 1;
        this.#start(JSON.parse(Buffer.concat(this.#line).toString('utf8')) as ParentMessage);
        continue;
      }
      const piece = chunk.subarray(at, at + (message.payloadBytes - this.#receivedBytes));
      at += piece.length;
      this.#receivedBytes += piece.length;
      this.#parts.push(this.#decoder.write(piece));
      this.#settle(message);
    }
  }

  #start(message: ParentMessage): void {
    this.#line = [];
    this.#message = message;
    this.#settle(message);
  }

  #settle(message: ParentMessage): void {
    if (this.#receivedBytes < message.payloadBytes) return;
    this.#parts.push(this.#decoder.end());
    const text = this.#parts.join('');
    this.#parts = [];
    this.#receivedBytes = 0;
    this.#message = undefined;
    this.#deliver(message, text);
  }
}
