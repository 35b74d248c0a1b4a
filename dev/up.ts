/**
 * `npm start`: runs the local system on embedded defaults, on one machine, bound to 127.0.0.1.
 * Ctrl-C stops everything it started.
 */
import { MinioServer } from './services/minio.ts';
import { Nsqd } from './services/nsq.ts';
import { stopAllProcesses } from './services/process.ts';
import { RedisServer } from './services/redis.ts';

async function main(): Promise<void> {
  const nsqd = await Nsqd.start();
  const redis = await RedisServer.start();
  const minio = await MinioServer.start();
  process.stdout.write(
    [
      'nsq-lambda local stack is up (Ctrl-C stops it):',
      `  nsqd       tcp ${nsqd.tcpAddress}  http http://${nsqd.httpAddress}`,
      `  redis      ${redis.url}`,
      `  s3 (minio) ${minio.endpoint}  key ${minio.accessKeyId}`,
      'Not yet part of the stack: the bridge and the local Lambda (see the open issues).',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write('stopping...\n');
    await Promise.allSettled([nsqd.dispose(), redis.dispose(), minio.dispose()]);
    await stopAllProcesses();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch(async (err: unknown) => {
  process.stderr.write(`nsq-lambda up: ${err instanceof Error ? err.message : String(err)}\n`);
  await stopAllProcesses();
  process.exit(1);
});
