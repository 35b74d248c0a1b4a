/**
 * A local Upstash REST endpoint in front of a real redis-server, for development and tests.
 *
 * Speaks what @upstash/redis and @upstash/ratelimit send: `POST /` (one command), `POST /pipeline`,
 * `POST /multi-exec` (atomic), Bearer auth (401 otherwise), `Upstash-Encoding: base64` replies,
 * `{result}` / `{error}` envelopes (400 for Redis errors, 401, 404, 405, 413, 500 when Redis is
 * unreachable), and the `allow-key-locking` script-flag rewrite with EVALSHA translation. Binds
 * 127.0.0.1 only. Binary-safe towards Redis.
 *
 * Replies have Upstash's RESP2 shapes because redis-server itself answers in RESP2 (resp2.ts), not
 * because replies are converted; test/integration/upstash/upstash-parity.test.ts holds every shape
 * against Redis's RESP2 answers through the real client. Commands Upstash refuses get its error
 * (command-policy.ts). Not implemented: path-style commands (`/get/key`), `/monitor`, `/subscribe`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { listProblems } from '#shared/errors';
import { formatZodIssues } from '#shared/zod-issues';
import { RequestError } from '../errors.ts';
import { upstashRefusal } from './command-policy.ts';
import { connectResp2 } from './resp2.ts';
import { type Command, CommandRunner } from './run-commands.ts';
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
  // Connection, transaction and subscription control mean nothing over REST: the request is refused.
  const refusal = upstashRefusal(parts);
  if (refusal?.kind === 'not-in-rest') throw new RequestError(400, refusal.message);
  // Upper-case names also keep ioredis from applying its reply transformers (e.g. HGETALL → object).
  return [name, ...parts.slice(1)];
}

function parseCommandList(value: unknown): Command[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new RequestError(400, 'ERR the body must be a non-empty JSON array of commands');
  }
  return value.map((c, i) => parseCommand(c, `command ${i}`));
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

export async function startLocalUpstash(options: LocalUpstashOptions): Promise<LocalUpstash> {
  const parsed = localUpstashOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new Error(listProblems('invalid local Upstash options', formatZodIssues(parsed.error.issues)));
  }
  const config = parsed.data;
  let redis: Redis;
  try {
    redis = await connectResp2({
      url: config.redisUrl,
      port: config.redisPort,
      commandTimeoutMs: config.commandTimeoutMs,
    });
  } catch (err) {
    throw new Error(
      `local Upstash endpoint: cannot connect to redis (${config.redisUrl ?? config.redisPort})`,
      { cause: err },
    );
  }
  const shas = new ScriptShaMap();
  const requestCounts = new Map<string, number>();

  const runner = new CommandRunner(redis, shas);

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
      const { status, body: envelope } = await runner.one(parseCommand(body, 'command'), base64);
      send(res, status, envelope);
      return;
    }
    const commands = parseCommandList(body);
    if (path === '/pipeline') {
      send(res, 200, await runner.pipeline(commands, base64));
      return;
    }
    const { status, body: answer } = await runner.multiExec(commands, base64);
    send(res, status, answer);
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
