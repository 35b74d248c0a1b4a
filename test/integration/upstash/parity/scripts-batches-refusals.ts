/**
 * Scripting with nested tables, MULTI/EXEC, pipelines with failing commands, and the commands Upstash
 * refuses (answered with Upstash's error, not Redis's answer; sources in dev/local-upstash/command-policy.ts).
 */
import { notAvailableMessage, notInRestMessage } from '#dev/local-upstash/command-policy';
import { sha1Hex } from '#dev/local-upstash/scripts';
import { cases, type ParityCase } from './parity-case.ts';

const LOADED = "return {ARGV[1], 'loaded'}";
const NESTED = "return {1, 'two', {3, 'four', {5.9, false, true}}, {}, -7}";

function refused(command: string[], error: string): ParityCase {
  return {
    name: `refused: ${command.join(' ')}`,
    run: (r) => r.exec(command as [string, ...string[]]),
    upstash: { error },
  };
}

export const scriptsBatchesRefusals = cases([
  ['EVAL returning nested tables', (r) => r.eval(NESTED, [], [])],
  [
    'EVAL returning a float (truncated) and a string float',
    (r) => r.eval('return {3.99, tostring(2.5)}', [], []),
  ],
  ['EVAL returning nil', (r) => r.eval('return nil', [], [])],
  ['EVAL returning a status reply', (r) => r.eval("return redis.status_reply('FINE')", [], [])],
  ['EVAL returning OK status', (r) => r.eval("return redis.call('SET', KEYS[1], ARGV[1])", ['ev'], ['v'])],
  [
    'EVAL returning an error reply',
    (r) => r.eval("return redis.error_reply('MYERR custom failure')", [], []),
  ],
  ['EVAL returning an err table', (r) => r.eval("return {err='ERR from a table'}", [], [])],
  ['EVAL with a runtime error', (r) => r.eval("return redis.call('INCR', KEYS[1])", ['ev'], [])],
  ['EVAL with a compile error', (r) => r.eval('return +', [], [])],
  [
    'EVAL returning keys and args',
    (r) => r.eval('return {KEYS[1], KEYS[2], ARGV[1], ARGV[2]}', ['k1', 'k2'], ['a1', 2]),
  ],
  [
    'EVAL returning HGETALL from Lua (flat)',
    async (r) => [
      await r.hset('eh', { x: 1, y: 'z' }),
      await r.eval("return redis.call('HGETALL', KEYS[1])", ['eh'], []),
    ],
  ],
  [
    'EVAL returning ZRANGE WITHSCORES from Lua',
    async (r) => [
      await r.zadd('ez', { score: 1.5, member: 'm' }),
      await r.eval("return redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')", ['ez'], []),
    ],
  ],
  [
    'EVAL returning a table with an error inside',
    (r) => r.eval("return {1, redis.error_reply('inner')}", [], []),
  ],
  {
    // An Upstash-only shebang flag (@upstash/ratelimit >= 2.1 sends it); stock Redis rejects the script.
    name: 'EVAL with the allow-key-locking flag',
    run: (r) => r.eval('#!lua flags=allow-key-locking\nreturn 1', [], []),
    upstash: { value: 1 },
  },
  ['EVAL_RO', (r) => r.evalRo("return redis.call('GET', KEYS[1])", ['ev'], [])],
  ['EVALSHA unknown is NOSCRIPT', (r) => r.evalsha('0123456789abcdef0123456789abcdef01234567', [], [])],
  ['SCRIPT LOAD', (r) => r.scriptLoad(LOADED)],
  ['EVALSHA after load', (r) => r.evalsha(sha1Hex(LOADED), [], ['x'])],
  [
    'SCRIPT EXISTS',
    async (r) => {
      const sha = await r.scriptLoad('return 42');
      return [
        sha,
        await r.scriptExists(sha, '0123456789abcdef0123456789abcdef01234567'),
        await r.evalsha(sha, [], []),
      ];
    },
  ],
  ['createScript exec (EVALSHA then EVAL)', (r) => r.createScript<string>("return 'scripted'").exec([], [])],
  ['MULTI/EXEC', (r) => r.multi().set('tx', 5).incr('tx').get('tx').exec()],
  [
    'MULTI/EXEC with a failing command (keepErrors)',
    (r) => r.multi().set('tx', 'text').incr('tx').get('tx').exec({ keepErrors: true }),
  ],
  ['MULTI/EXEC with a failing command throws', (r) => r.multi().set('tx', 'text').incr('tx').exec()],
  [
    'MULTI/EXEC with scores and a hash',
    (r) =>
      r
        .multi()
        .zadd('tz', { score: 1.5, member: 'a' })
        .zrange('tz', 0, -1, { withScores: true })
        .hset('th', { f: 'v' })
        .hgetall('th')
        .exec(),
  ],
  [
    'pipeline with failing commands (keepErrors)',
    (r) =>
      r.pipeline().set('p', 'text').incr('p').get('p').lpush('p', 'x').get('nope').exec({ keepErrors: true }),
  ],
  ['pipeline with a failing command throws', (r) => r.pipeline().set('p2', 1).hget('p', 'f').exec()],
  ['pipeline of reads', (r) => r.pipeline().get('p').zscore('tz', 'a').xrange('nost', '-', '+').exec()],
  [
    'concurrent commands (auto-pipelined)',
    (r) => Promise.all([r.incr('ap'), r.incr('ap'), r.get('ap'), r.zscore('tz', 'a')]),
  ],
  refused(['NOTACOMMAND', 'x'], notAvailableMessage('NOTACOMMAND')),
  refused(['BLPOP', 'l', '1'], notAvailableMessage('BLPOP')),
  refused(['BRPOP', 'l', '1'], notAvailableMessage('BRPOP')),
  refused(['BZPOPMIN', 'z', '1'], notAvailableMessage('BZPOPMIN')),
  refused(['BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '1'], notAvailableMessage('BLMOVE')),
  refused(['SORT', 'l'], notAvailableMessage('SORT')),
  refused(['OBJECT', 'ENCODING', 's1'], notAvailableMessage('OBJECT')),
  refused(['MEMORY', 'USAGE', 's1'], notAvailableMessage('MEMORY')),
  refused(['DEBUG', 'SLEEP', '0'], notAvailableMessage('DEBUG')),
  refused(['SLOWLOG', 'GET'], notAvailableMessage('SLOWLOG')),
  refused(['WAIT', '0', '0'], notAvailableMessage('WAIT')),
  refused(['SWAPDB', '0', '1'], notAvailableMessage('SWAPDB')),
  refused(['MOVE', 's1', '1'], notAvailableMessage('MOVE')),
  refused(['SELECT', '1'], notInRestMessage('SELECT')),
  refused(['MULTI'], notInRestMessage('MULTI')),
  refused(['WATCH', 's1'], notInRestMessage('WATCH')),
  refused(['CLIENT', 'LIST'], notInRestMessage('CLIENT')),
  refused(['SUBSCRIBE', 'chan'], notInRestMessage('SUBSCRIBE')),
]);
