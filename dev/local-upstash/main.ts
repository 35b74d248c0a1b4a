/**
 * CLI: a local Upstash REST endpoint in front of a redis-server.
 *
 *   LOCAL_UPSTASH_TOKEN=dev-token node dev/node.mjs npx tsx dev/local-upstash/main.ts --redis-port 6379 --port 8079
 *
 * The token comes from the environment (never argv, which other users can read); without it a random
 * one is generated and printed, since it only guards a loopback development server.
 */
import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { startLocalUpstash } from './server.ts';

const program = new Command()
  .name('local-upstash')
  .description('Upstash REST protocol on 127.0.0.1 in front of a real redis-server')
  .option('--redis-url <url>', 'redis URL, e.g. redis://127.0.0.1:6379')
  .option('--redis-port <port>', 'redis-server port on 127.0.0.1', (v) => Number.parseInt(v, 10))
  .option('--port <port>', 'port to listen on (0 = any free port)', (v) => Number.parseInt(v, 10), 8079)
  .parse();

const opts = program.opts<{ redisUrl?: string; redisPort?: number; port: number }>();
const envToken = process.env.LOCAL_UPSTASH_TOKEN;
const token = envToken && envToken.length > 0 ? envToken : randomBytes(18).toString('base64url');

try {
  const server = await startLocalUpstash({
    ...(opts.redisUrl !== undefined && { redisUrl: opts.redisUrl }),
    ...(opts.redisPort !== undefined && { redisPort: opts.redisPort }),
    ...(opts.redisUrl === undefined && opts.redisPort === undefined && { redisPort: 6379 }),
    port: opts.port,
    token,
  });
  process.stdout.write(
    [
      `local Upstash endpoint on ${server.url}`,
      `  UPSTASH_REDIS_REST_URL=${server.url}`,
      envToken
        ? '  UPSTASH_REDIS_REST_TOKEN=<the LOCAL_UPSTASH_TOKEN you set>'
        : `  UPSTASH_REDIS_REST_TOKEN=${token}`,
      '',
    ].join('\n'),
  );
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (err) {
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  process.stderr.write(`local-upstash: ${err instanceof Error ? err.message : String(err)}${cause}\n`);
  process.exit(1);
}
