/** nsqd message frames and real nsqjs Messages over them, for the nsq/ unit tests. */
import nsq from 'nsqjs';

/** nsqd's message frame: timestamp (int64 ns), attempts (uint16), 16-byte id, body. */
export function frame(timestampNs: bigint, attempts: number, id: string, body: string): Buffer {
  const raw = Buffer.alloc(26 + Buffer.byteLength(body));
  raw.writeBigInt64BE(timestampNs, 0);
  raw.writeUInt16BE(attempts, 8);
  raw.write(id, 10, 'latin1');
  raw.write(body, 26);
  return raw;
}

/** A real nsqjs Message over the frame (its timer is unref'd and stopped by the answer). */
export const message = (raw: Buffer) => new nsq.Message(raw as never, 90_000, 60_000, 900_000);
