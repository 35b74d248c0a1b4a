/**
 * Structured JSON logs, one line per entry: `{ time, level, msg, ...fields }`.
 *
 * Secrets never reach the output. Two layers:
 * - fields whose key looks secret (`secret`, `token`, `password`, `authorization`, ...) are replaced;
 * - every configured secret value is replaced wherever it appears in the finished line, including
 *   inside error messages, stacks and causes, and in its JSON-escaped, URL-encoded and base64 forms.
 *
 *   const logger = createLogger({ level: 'info', redact: [secrets.nsqAuthSecret, secrets.upstashToken] });
 *   logger.warn('nsqd disconnected', { subscription, address });
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

const LEVELS: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };
export const REDACTED = '[redacted]';
const SECRET_KEY = /secret|token|password|passwd|authorization|credential|api[-_]?key|private[-_]?key/i;
const MAX_DEPTH = 6;

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every entry. */
  child(fields: LogFields): Logger;
  isLevelEnabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  /** @default 'info' */
  readonly level?: LogLevel;
  /** Secret values to scrub from every line; empty and undefined entries are ignored. */
  readonly redact?: readonly (string | undefined)[];
  /** Fields on every entry (e.g. `{ service: 'nsq-lambda-bridge' }`). */
  readonly base?: LogFields;
  /** @default one line per write on stdout */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
}

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(LEVELS, value);
}

/** Turns an Error (and its cause chain, AggregateErrors, own fields) into plain JSON data. */
function serializeError(err: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  if (err.stack) out.stack = err.stack;
  for (const [k, v] of Object.entries(err)) {
    if (k !== 'name' && k !== 'message' && k !== 'stack') out[k] = toJsonValue(k, v, depth + 1, seen);
  }
  if (err.cause !== undefined) out.cause = toJsonValue('cause', err.cause, depth + 1, seen);
  if (err instanceof AggregateError) out.errors = toJsonValue('errors', err.errors, depth + 1, seen);
  return out;
}

function toJsonValue(key: string, value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (
    typeof key === 'string' &&
    SECRET_KEY.test(key) &&
    value !== undefined &&
    value !== null &&
    value !== ''
  )
    return REDACTED;
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    return value;
  }
  if (depth > MAX_DEPTH) return '[depth]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    if (value instanceof Error) return serializeError(value, depth, seen);
    if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
    if (value instanceof Date) return value.toISOString();
    if (value instanceof Map) return toJsonValue(key, Object.fromEntries(value), depth, seen);
    if (value instanceof Set) return toJsonValue(key, [...value], depth, seen);
    if (Array.isArray(value)) return value.map((v) => toJsonValue('', v, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonValue(k, v, depth + 1, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

/** The forms a secret may take in a JSON line. */
function secretForms(secret: string): string[] {
  const forms = new Set<string>([
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
  ]);
  return [...forms].filter((f) => f.length > 0).sort((a, b) => b.length - a.length);
}

/** Returns a function that scrubs every form of every secret from a string. */
export function createRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const forms = [
    ...new Set(secrets.filter((s): s is string => typeof s === 'string' && s !== '').flatMap(secretForms)),
  ].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const f of forms) if (out.includes(f)) out = out.split(f).join(REDACTED);
    return out;
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const redact = createRedactor(options.redact ?? []);
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;

  const make = (base: LogFields): Logger => {
    const threshold = LEVELS[level];
    const log = (entryLevel: LogLevel, msg: string, fields?: LogFields) => {
      if (LEVELS[entryLevel] < threshold) return;
      const entry: Record<string, unknown> = { time: new Date(now()).toISOString(), level: entryLevel, msg };
      const seen = new WeakSet<object>();
      for (const [k, v] of Object.entries({ ...base, ...fields })) {
        if (k === 'time' || k === 'level' || k === 'msg') continue;
        entry[k] = toJsonValue(k, v, 0, seen);
      }
      let line: string;
      try {
        line = JSON.stringify(entry);
      } catch {
        line = JSON.stringify({
          time: entry.time,
          level: entryLevel,
          msg,
          logError: 'fields not serializable',
        });
      }
      write(redact(line));
    };
    return {
      level,
      debug: (msg, fields) => log('debug', msg, fields),
      info: (msg, fields) => log('info', msg, fields),
      warn: (msg, fields) => log('warn', msg, fields),
      error: (msg, fields) => log('error', msg, fields),
      child: (fields) => make({ ...base, ...fields }),
      isLevelEnabled: (l) => LEVELS[l] >= threshold,
    };
  };
  return make(options.base ?? {});
}
