import { spawn } from 'node:child_process';
import { Redis } from '@upstash/redis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '#dev/services/ports';
import { RedisServer } from '#dev/services/redis';
import { waitFor } from '#dev/services/wait';

const redisServer = await RedisServer.start();
afterAll(() => redisServer.dispose());

describe('local-upstash CLI', () => {
  it('serves the token from the environment on 127.0.0.1, never printing it, and stops on SIGTERM', async () => {
    // Prepare
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'dev/local-upstash/main.ts',
        '--redis-port',
        String(redisServer.port),
        '--port',
        String(port),
      ],
      { env: { ...process.env, LOCAL_UPSTASH_TOKEN: 'cli-secret-token' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    // Act
    await waitFor(() => output.includes('local Upstash endpoint on'), {
      what: 'the CLI to start',
      timeoutMs: 30_000,
    });
    const redis = new Redis({
      url: `http://127.0.0.1:${port}`,
      token: 'cli-secret-token',
      enableTelemetry: false,
    });
    await redis.set('cli', 'works');
    const value = await redis.get('cli');
    child.kill('SIGTERM');
    const code = await exited;

    // Assess
    expect(value).toBe('works');
    expect(output).toContain(`UPSTASH_REDIS_REST_URL=http://127.0.0.1:${port}`);
    expect(output).not.toContain('cli-secret-token');
    expect(code).toBe(0);
  });

  it('exits 1 with a clear message when redis cannot be reached', async () => {
    // Prepare
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'dev/local-upstash/main.ts', '--redis-port', String(port)],
      {
        env: { ...process.env, LOCAL_UPSTASH_TOKEN: 't' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });

    // Act
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));

    // Assess
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot connect to redis/);
  });
});
