/**
 * How an invocation's payload reaches a worker: the request body's bytes, as received, on a pipe of their
 * own (the worker's fd 4), next to the IPC channel that carries the `invoke` message (protocol.ts).
 *
 * Node's IPC with 'json' serialisation would JSON.stringify the payload text into the message (escaping
 * every quote), write it as UTF-8, then parse the message and the payload again in the worker: at 1.4 MB a
 * batch that was most of the local Lambda's CPU. The bytes on the pipe are decoded once, in the worker,
 * chunk by chunk into strings on the V8 heap. Nothing is collected into one Buffer outside the heap (the
 * reason 'advanced' serialisation was rejected: the leak detector warned about healthy functions).
 */
import { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';

/** The worker's file descriptor of the payload pipe (stdio: ignore, stdout, stderr, ipc, payloads). */
export const payloadFd = 4;

/**
 * The worker's end: collects the bytes of one payload at a time and hands over their UTF-8 text (as
 * `Buffer#toString('utf8')` gives it) once the `invoke` message has said how many bytes it has.
 */
export class PayloadReader {
  readonly #decoder = new StringDecoder('utf8');
  #parts: string[] = [];
  #receivedBytes = 0;
  #waiting: { readonly bytes: number; readonly deliver: (text: string) => void } | undefined;

  /** Reads from `payloadFd`. The pipe never keeps the process alive (the IPC channel decides that). */
  static open(): PayloadReader {
    const reader = new PayloadReader();
    const socket = new Socket({ fd: payloadFd, readable: true, writable: false });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => {}); // the server went away: 'disconnect' ends the worker
    socket.unref();
    return reader;
  }

  /** Bytes arrived on the pipe. */
  push(chunk: Buffer): void {
    this.#receivedBytes += chunk.length;
    this.#parts.push(this.#decoder.write(chunk));
    this.#settle();
  }

  /** Calls `deliver` with the text of the next payload of `bytes` bytes, now or when the last byte arrives. */
  take(bytes: number, deliver: (text: string) => void): void {
    if (this.#waiting) throw new Error('the worker was sent an invocation while one was still arriving');
    this.#waiting = { bytes, deliver };
    this.#settle();
  }

  #settle(): void {
    const waiting = this.#waiting;
    if (!waiting || this.#receivedBytes < waiting.bytes) return;
    // One invocation at a time: the server sends the next payload only after this one's result.
    if (this.#receivedBytes > waiting.bytes)
      throw new Error(
        `payload pipe out of step: ${this.#receivedBytes} bytes for a ${waiting.bytes}-byte payload`,
      );
    this.#parts.push(this.#decoder.end());
    const text = this.#parts.join('');
    this.#parts = [];
    this.#receivedBytes = 0;
    this.#waiting = undefined;
    waiting.deliver(text);
  }
}
