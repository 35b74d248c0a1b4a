/**
 * The reference side of the Upstash parity suite: an @upstash/redis `Requester` that runs each
 * command straight on redis-server over RESP2 (#dev/local-upstash/resp2, the one RESP2 connection)
 * and maps the reply the way Upstash's REST API documents it (upstash/docs redis/features/restapi.mdx,
 * "Response"): bulk and status strings as UTF-8 text (invalid UTF-8 replaced by U+FFFD), integers as
 * numbers, nil as null, arrays element-wise. No HTTP and no code of the local endpoint is involved, so
 * `new Redis(requester)` gives what the real client would decode from Upstash for the same commands.
 */
import type { Requester, UpstashRequest, UpstashResponse } from '@upstash/redis';
import type { Redis as IoRedis } from 'ioredis';
import { connectResp2, isReplyError, type Resp2Reply } from '#dev/local-upstash/resp2';

type Json = string | number | null | Json[];

function toJson(reply: Resp2Reply): Json {
  if (reply === null || typeof reply === 'number') return reply;
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  if (Array.isArray(reply)) return reply.map(toJson);
  return reply.message;
}

function asCommand(body: unknown): [string, ...string[]] {
  if (!Array.isArray(body) || body.length === 0) throw new Error('reference requester: empty command');
  return body.map((part) => String(part)) as [string, ...string[]];
}

async function runBatch(
  io: IoRedis,
  commands: [string, ...string[]][],
  atomic: boolean,
): Promise<UpstashResponse<Json>[]> {
  const batch = atomic ? io.multi() : io.pipeline();
  for (const [name, ...args] of commands) batch.callBuffer(name.toUpperCase(), ...args);
  const results = await batch.exec();
  if (results === null) throw new Error('reference requester: transaction discarded');
  return results.map(([err, reply]) => {
    if (err && !isReplyError(err)) throw err;
    return err ? { error: err.message } : { result: toJson(reply as Resp2Reply) };
  });
}

export interface Resp2Reference {
  readonly requester: Requester;
  close(): void;
}

/** A Requester over a fresh RESP2 connection to the redis-server on `port`. */
export async function resp2Reference(port: number): Promise<Resp2Reference> {
  const io = await connectResp2({ port });
  const request = async <T>(req: UpstashRequest): Promise<UpstashResponse<T>> => {
    const where = req.path?.[0];
    if (where === 'pipeline' || where === 'multi-exec') {
      const commands = (req.body as unknown[]).map(asCommand);
      return (await runBatch(io, commands, where === 'multi-exec')) as unknown as UpstashResponse<T>;
    }
    const [name, ...args] = asCommand(req.body);
    try {
      return { result: toJson((await io.callBuffer(name.toUpperCase(), ...args)) as Resp2Reply) as T };
    } catch (err) {
      if (isReplyError(err)) return { error: err.message };
      throw err;
    }
  };
  return { requester: { request } as Requester, close: () => io.disconnect() };
}
