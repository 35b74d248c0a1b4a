import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '#dev/services/ports';
import { preflight, type StackPorts } from '#dev/up/stack-ports';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function listen(): Promise<number> {
  const port = await freePort();
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return port;
}

async function ports(overrides: Partial<StackPorts> = {}): Promise<StackPorts> {
  const base: StackPorts = {
    nsqdTcp: await freePort(),
    nsqdHttp: await freePort(),
    nsqlookupdTcp: await freePort(),
    nsqlookupdHttp: await freePort(),
    nsqadmin: await freePort(),
    redis: await freePort(),
    upstash: await freePort(),
    bridgeHttp: await freePort(),
    renderer: await freePort(),
    minio: await freePort(),
    lambda: await freePort(),
    minioConsole: await freePort(),
  };
  return { ...base, ...overrides };
}

describe('preflight', () => {
  it('lists every missing binary and every taken port, not just the first', async () => {
    const takenLambda = await listen();
    const takenNsqd = await listen();
    const problems = await preflight(await ports({ lambda: takenLambda, nsqdTcp: takenNsqd }), true, [
      () => {
        throw new Error('nsqd is not built: run `npm run binaries`');
      },
      () => 'ok',
      () => {
        throw new Error('redis-server not found on PATH: install it');
      },
    ]);
    expect(problems).toEqual([
      'nsqd is not built: run `npm run binaries`',
      'redis-server not found on PATH: install it',
      `port ${takenNsqd} (nsqd TCP) on 127.0.0.1 is already in use: stop what uses it, or run with --free-ports`,
      `port ${takenLambda} (local Lambda) on 127.0.0.1 is already in use: stop what uses it, or run with --free-ports`,
    ]);
  });

  it('finds nothing wrong with free ports and present binaries, and skips ports with --free-ports', async () => {
    expect(await preflight(await ports(), true, [() => 'ok'])).toEqual([]);
    const taken = await listen();
    expect(await preflight(await ports({ minio: taken }), false, [() => 'ok'])).toEqual([]);
  });
});
