/**
 * RESP2 replies (from #dev/local-upstash/resp2) to Upstash REST JSON.
 *
 * The shapes are Redis's own RESP2 shapes: bulk and status strings become strings, integers numbers,
 * nil null, arrays arrays at any depth (flat for WITHSCORES/HGETALL/CONFIG GET, nested for XRANGE,
 * XREAD and Lua tables). An error inside an array (a Lua table can hold one) becomes its text.
 *
 * With `Upstash-Encoding: base64` every string is base64 (upstash/docs restapi.mdx: "all strings in
 * the response will be base64 encoded, except for the "OK" response"). Only a whole result of "OK" is
 * sent as is: the client decodes every string inside an array as base64, so an "OK" left bare there
 * would decode to garbage. Without base64, strings are UTF-8 text, invalid bytes replaced by U+FFFD,
 * as Upstash documents.
 */
import type { Resp2Reply } from './resp2.ts';

export type UpstashValue = string | number | null | UpstashValue[];

function encodeString(bytes: Buffer, base64: boolean, topLevel: boolean): string {
  if (!base64) return bytes.toString('utf8');
  const isOk = bytes.length === 2 && bytes[0] === 0x4f && bytes[1] === 0x4b;
  return topLevel && isOk ? 'OK' : bytes.toString('base64');
}

function encode(reply: Resp2Reply, base64: boolean, topLevel: boolean): UpstashValue {
  if (reply === null || typeof reply === 'number') return reply;
  if (Buffer.isBuffer(reply)) return encodeString(reply, base64, topLevel);
  if (Array.isArray(reply)) return reply.map((item) => encode(item, base64, false));
  return encodeString(Buffer.from(reply.message, 'utf8'), base64, topLevel);
}

export function encodeReply(reply: Resp2Reply, base64: boolean): UpstashValue {
  return encode(reply, base64, true);
}
