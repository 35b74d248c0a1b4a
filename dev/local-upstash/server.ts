/**
 * A local Upstash REST endpoint in front of a real redis-server, for development and tests.
 *
 * Speaks what @upstash/redis and @upstash/ratelimit send: `POST /` (one command), `POST /pipeline`,
 * `POST /multi-exec` (atomic), Bearer auth (401 otherwise), `Upstash-Encoding: base64` replies,
 * `{result}` / `{error}` envelopes (400 for Redis errors, 401, 404, 405, 413, 500 when Redis is
 * unreachable), RESP2-style replies (HGETALL flattened), and the `allow-key-locking` script-flag
 * rewrite with EVALSHA translation. Binds 127.0.0.1 only. Binary-safe towards Redis (buffer replies).
 *
 * Not implemented: path-style commands (`/get/key`), `/monitor`, pub/sub and blocking commands (they
 * would block the shared connection); those answer 400 / 404.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';
import { encodeReply, type UpstashValue } from './encoding.ts';
import { ScriptShaMap } from './scripts.ts';

export const localUpstashOptionsSchema = z
  .object({
    /** `redis://127.0.0.1:6379`; give this or `redisPort`. */
    redisUrl: z.string().url().optional(),
    /** A redis-server on 127.0.0.1; give this or `redisUrl`. */
    redisPort: z.number().int().min(1).max(65_535).optional(),
    /** The Bearer token clients must send. */
    token: z.string().min(1),
    /** 0 picks a free port. @default 0 */
    port: z.number().int().min(0).max(65_535).default(0),
    /** Loopback only. @default '127.0.0.1' */
    host: z.literal('127.0.0.1').default('127.0.0.1'),
    /** Largest accepted request body. @default 10 MiB */
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .default(10 * 1024 * 1024),
    /** Redis command timeout. @default 10_000 */
    commandTimeoutMs: z.number().int().min(1).default(10_000),
  })
  .strict()
  .refine((o) => (o.redisUrl === undefined) !== (o.redisPort === undefined), {
    message: 'give exactly one of redisUrl or redisPort',
  });

export type LocalUpstashOptions = z.input<typeof localUpstashOptionsSchema>;

export interface LocalUpstash {
  /** `http://127.0.0.1:<port>`: the UPSTASH_REDIS_REST_URL. */
  readonly url: string;
  /** The UPSTASH_REDIS_REST_TOKEN. */
  readonly token: string;
  readonly port: number;
  /** Requests served so far, by path (for tests and diagnostics). */
  readonly requestCounts: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

/** Commands that would block or change the state of the one shared Redis connection. */
const UNSUPPORTED_COMMANDS = new Set([
  'SUBSCRIBE',
  'PSUBSCRIBE',
  'SSUBSCRIBE',
  'UNSUBSCRIBE',
  'PUNSUBSCRIBE',
  'SUNSUBSCRIBE',
  'MONITOR',
  'SELECT',
  'QUIT',
  'RESET',
  'MULTI',
  'EXEC',
  'DISCARD',
  'WATCH',
  'UNWATCH',
  'BLPOP',
  'BRPOP',
  'BRPOPLPUSH',
  'BLMOVE',
  'BLMPOP',
  'BZPOPMIN',
  'BZPOPMAX',
  'BZMPOP',
  'WAIT',
  'WAITAOF',
  'CLIENT',
  'SYNC',
  'PSYNC',
  'SHUTDOWN',
  'HELLO',
  'AUTH',
]);

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Command = [name: string, ...args: string[]];

function parseCommand(value: unknown, where: string): Command {
  if (!Array.isArray(value) || value.length === 0) {
    throw new RequestError(400, `ERR ${where}: a command is a non-empty JSON array`);
  }
  const parts = value.map((part, i) => {
    if (typeof part === 'string') return part;
    if (typeof part === 'number' || typeof part === 'boolean') return String(part);
    throw new RequestError(400, `ERR ${where}: argument ${i} is ${part === null ? 'null' : typeof part}`);
  });
  const name = (parts[0] ?? '').toUpperCase();
  if (UNSUPPORTED_COMMANDS.has(name)) {
    throw new RequestError(400, `ERR command ${name} is not supported by the local Upstash endpoint`);
  }
  if ((name === 'XREAD' || name === 'XREADGROUP') && parts.some((p) => p.toUpperCase() === 'BLOCK')) {
    throw new RequestError(400, `ERR blocking ${name} is not supported by the local Upstash endpoint`);
  }
  // Upper-case names also keep ioredis from applying its reply transformers (e.g. HGETALL → object).
  return [name, ...parts.slice(1)];
}

function parseCommandList(value: unknown): Command[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new RequestError(400, 'ERR the body must be a non-empty JSON array of commands');
  }
  return value.map((c, i) => parseCommand(c, `command ${i}`));
}

/** Applies the script-flag rewrite and the EVALSHA hash translation. */
function adaptScripts(command: Command, shas: ScriptShaMap): Command {
  const [name, ...args] = command;
  const first = args[0];
  if (first === undefined) return command;
  if (name === 'EVAL' || name === 'EVAL_RO') {
    return [name, shas.prepare(first).script, ...args.slice(1)];
  }
  if (name === 'EVALSHA' || name === 'EVALSHA_RO') return [name, shas.translate(first), ...args.slice(1)];
  if (name === 'SCRIPT') {
    const sub = first.toUpperCase();
    if (sub === 'LOAD' && args[1] !== undefined) return [name, first, shas.prepare(args[1]).script];
    if (sub === 'EXISTS') return [name, first, ...args.slice(1).map((s) => shas.translate(s))];
  }
  return command;
}

function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError';
}

function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > maxBytes) throw new RequestError(413, `ERR request body exceeds ${maxBytes} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

type Envelope = { result: UpstashValue } | { error: string };

export async function startLocalUpstash(options: LocalUpstashOptions): Promise<LocalUpstash> {
  const parsed = localUpstashOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid local Upstash options:\n${problems.join('\n')}`);
  }
  const config = parsed.data;
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: config.commandTimeoutMs,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  };
  const redis =
    config.redisUrl !== undefined
      ? new Redis(config.redisUrl, redisOptions)
      : new Redis({ ...redisOptions, host: '127.0.0.1', port: config.redisPort as number });
  // Connection errors surface per request as 500s; keep them from becoming unhandled 'error' events.
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(
      `local Upstash endpoint: cannot connect to redis (${config.redisUrl ?? config.redisPort})`,
      {
        cause: err,
      },
    );
  }
  const shas = new ScriptShaMap();
  const requestCounts = new Map<string, number>();

  const runOne = async (command: Command): Promise<unknown> => {
    const [name, ...args] = adaptScripts(command, shas);
    return redis.callBuffer(name, ...args);
  };

  const toEnvelope = (err: Error | null, reply: unknown, base64: boolean): Envelope =>
    err ? { error: err.message } : { result: encodeReply(reply, base64) };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requestCounts.set(path, (requestCounts.get(path) ?? 0) + 1);
    const auth = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    if (bearer === undefined || !sameToken(bearer, config.token)) {
      send(res, 401, { error: 'Unauthorized' });
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, { error: `ERR method ${req.method} not allowed; use POST` });
      return;
    }
    if (path !== '/' && path !== '/pipeline' && path !== '/multi-exec') {
      send(res, 404, { error: `ERR unknown path ${path}; use /, /pipeline or /multi-exec` });
      return;
    }
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    let body: unknown;
    const raw = await readBody(req, config.maxBodyBytes);
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new RequestError(400, 'ERR the body is not valid JSON');
    }
    if (path === '/') {
      const command = parseCommand(body, 'command');
      try {
        send(res, 200, { result: encodeReply(await runOne(command), base64) });
      } catch (err) {
        if (isReplyError(err)) send(res, 400, { error: err.message });
        else throw err;
      }
      return;
    }
    const commands = parseCommandList(body).map((c) => adaptScripts(c, shas));
    const batch = path === '/pipeline' ? redis.pipeline() : redis.multi();
    for (const [name, ...args] of commands) batch.callBuffer(name, ...args);
    let results: [Error | null, unknown][] | null;
    try {
      results = await batch.exec();
    } catch (err) {
      // A discarded transaction (EXECABORT) fails as a whole.
      if (isReplyError(err)) {
        send(res, 400, { error: err.message });
        return;
      }
      throw err;
    }
    if (results === null) {
      send(res, 400, { error: 'ERR transaction discarded' });
      return;
    }
    // Connection failures come back per command; they are the endpoint's failure, not Redis's answer.
    const failure = results.find(([err]) => err !== null && !isReplyError(err))?.[0];
    if (failure) throw failure;
    send(
      res,
      200,
      results.map(([err, reply]) => toEnvelope(err, reply, base64)),
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof RequestError) send(res, err.status, { error: err.message });
      else {
        const message = err instanceof Error ? err.message : String(err);
        send(res, 500, { error: `ERR local Upstash endpoint cannot reach redis: ${message}` });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${config.host}:${port}`,
    token: config.token,
    port,
    requestCounts,
    close: () => {
      closed ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        redis.disconnect();
      })();
      return closed;
    },
  };
}
