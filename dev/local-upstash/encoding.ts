/**
 * Reply mapping from ioredis (buffer replies) to Upstash REST JSON.
 *
 * With `Upstash-Encoding: base64` every string is base64 except the status reply "OK" (the client
 * special-cases it); integers and nil stay as they are; arrays are mapped element-wise at any depth.
 * Without it, strings are sent as UTF-8 text (lossy for binary values, as on Upstash).
 */
export type UpstashValue = string | number | null | UpstashValue[];

export function encodeReply(reply: unknown, base64: boolean): UpstashValue {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === 'number') return reply;
  if (typeof reply === 'bigint') return Number(reply);
  if (Buffer.isBuffer(reply)) {
    if (!base64) return reply.toString('utf8');
    return reply.length === 2 && reply[0] === 0x4f && reply[1] === 0x4b ? 'OK' : reply.toString('base64');
  }
  if (typeof reply === 'string') {
    if (!base64 || reply === 'OK') return reply;
    return Buffer.from(reply, 'utf8').toString('base64');
  }
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64));
  // An error nested inside an array reply (e.g. from a Lua table): RESP2 clients see its text.
  if (reply instanceof Error) return encodeReply(reply.message, base64);
  if (typeof reply === 'object') {
    // Flatten maps like RESP2 does; the client turns top-level objects into null otherwise.
    return Object.entries(reply as Record<string, unknown>).flatMap(([k, v]) => [
      encodeReply(k, base64),
      encodeReply(v, base64),
    ]);
  }
  return encodeReply(String(reply), base64);
}
