/**
 * Which commands Upstash's REST API refuses, and with which words, so that the local endpoint answers
 * them as Upstash does and never with Redis's own answer.
 *
 * Sources (read 2026-12-04):
 * - upstash/docs redis/features/restapi.mdx, "REST - Redis API Compatibility": blocking list and sorted
 *   set commands and blocking XREAD/XREADGROUP are not supported; of Connection only PING and ECHO; of
 *   Pub/Sub only PUBLISH and PUBSUB (SUBSCRIBE and MONITOR have their own SSE paths); WATCH, UNWATCH and
 *   DISCARD are not supported (a transaction is the /multi-exec path).
 * - upstash/docs redis/overall/rediscompatibility.mdx and upstash.com/docs/redis/commands/server/overview:
 *   the Server group is ACL, COMMAND, CONFIG GET/SET, DBSIZE, FLUSHALL, FLUSHDB, INFO, MONITOR and TIME;
 *   the Generic group has no OBJECT, SORT, MOVE, MIGRATE or WAIT; Cluster is not supported.
 * - The error texts as probed off a real Upstash database: `ERR Command is not available: '<NAME>'. See
 *   https://upstash.com/docs/redis/overall/rediscompatibility for details` (volter world-core's upstash
 *   dialect, 2026-08-19; mna/upstashdis's tests against Upstash also see "ERR Command is not available"
 *   for an unknown command), and `ERR Command "<NAME>" is not allowed in REST or it has a special context
 *   path` for connection, transaction and subscription control.
 */

export type Refusal =
  /** Not a command Upstash has: per command, like any other command error. */
  | { kind: 'not-available'; message: string }
  /** Meaningless over stateless HTTP: the whole request is refused with 400. */
  | { kind: 'not-in-rest'; message: string };

const NOT_IN_REST = new Set([
  'AUTH',
  'HELLO',
  'SELECT',
  'QUIT',
  'RESET',
  'MULTI',
  'EXEC',
  'DISCARD',
  'WATCH',
  'UNWATCH',
  'SUBSCRIBE',
  'PSUBSCRIBE',
  'SSUBSCRIBE',
  'UNSUBSCRIBE',
  'PUNSUBSCRIBE',
  'SUNSUBSCRIBE',
  'MONITOR',
]);

/** Blocking commands (not over REST) and commands Upstash's compatibility tables do not list. */
const NOT_AVAILABLE = new Set([
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
  'OBJECT',
  'SORT',
  'SORT_RO',
  'MOVE',
  'MIGRATE',
  'SWAPDB',
  'SAVE',
  'BGSAVE',
  'BGREWRITEAOF',
  'LASTSAVE',
  'SLOWLOG',
  'LATENCY',
  'MEMORY',
  'DEBUG',
  'SHUTDOWN',
  'REPLICAOF',
  'SLAVEOF',
  'ROLE',
  'SYNC',
  'PSYNC',
  'FAILOVER',
  'MODULE',
  'LOLWUT',
  'CLUSTER',
  'READONLY',
  'READWRITE',
  'ASKING',
]);

export function notAvailableMessage(name: string): string {
  return `ERR Command is not available: '${name.toUpperCase()}'. See https://upstash.com/docs/redis/overall/rediscompatibility for details`;
}

export function notInRestMessage(name: string): string {
  return `ERR Command "${name.toUpperCase()}" is not allowed in REST or it has a special context path`;
}

/** Upstash's refusal of a command (name first, any case), or undefined when Upstash runs it. */
export function upstashRefusal(command: readonly string[]): Refusal | undefined {
  const name = (command[0] ?? '').toUpperCase();
  if (NOT_IN_REST.has(name)) return { kind: 'not-in-rest', message: notInRestMessage(name) };
  if (NOT_AVAILABLE.has(name)) return { kind: 'not-available', message: notAvailableMessage(name) };
  // CLIENT SETINFO is in @upstash/redis (ClientSetInfoCommand); the rest of CLIENT is connection control.
  if (name === 'CLIENT' && (command[1] ?? '').toUpperCase() !== 'SETINFO') {
    return { kind: 'not-in-rest', message: notInRestMessage(name) };
  }
  if ((name === 'XREAD' || name === 'XREADGROUP') && command.some((a) => a.toUpperCase() === 'BLOCK')) {
    // Upstash's docs say only "not supported"; its exact words for this case are not known here.
    return { kind: 'not-available', message: notAvailableMessage(`${name} BLOCK`) };
  }
  return undefined;
}

/**
 * Redis's answer to a command it does not know, in Upstash's words (Upstash answers an unknown
 * command with its "not available" error); any other error text is returned unchanged.
 */
export function upstashErrorText(redisError: string): string {
  const unknown = /^ERR unknown command '([^']*)'/.exec(redisError);
  return unknown ? notAvailableMessage(unknown[1] ?? '') : redisError;
}
