/**
 * `npm start` (dev/up.ts) as a user runs it: it starts the whole stack, publishes the sample messages,
 * shows them processed, and on SIGINT drains and stops everything, leaving no process behind.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '#dev/services/binaries';
import { waitFor } from '#dev/services/wait';
import { isProcessAlive } from '#shared/process-alive';
import { killLaunched, launch } from '#test/harness/launched-run';
import { descendants } from '#test/harness/process-tree';

const upScript = join(projectRoot, 'dev', 'up.ts');
afterAll(killLaunched);

const startUp = (args: readonly string[]) =>
  launch(process.execPath, ['--import', 'tsx', upScript, ...args], {
    ...process.env,
    NSQ_LAMBDA_PID_DIR: '',
  });

describe('npm start (dev/up.ts)', () => {
  it('processes the sample messages, then SIGINT stops everything it started', async () => {
    const up = startUp(['--free-ports']);
    await waitFor(() => /all \d+ sample messages processed/.test(up.stdout()) || up.child.exitCode !== null, {
      what: 'the sample messages to be processed',
      timeoutMs: 200_000,
      intervalMs: 250,
    });
    expect(up.child.exitCode, up.stderr()).toBeNull();
    const out = up.stdout();
    expect(out).toMatch(/bridge {7}metrics http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(out).toMatch(/dead letters s3:\/\/nsq-lambda-dead-letters\/dead-letters\//);
    expect(out).toMatch(/logs {9}.*bridge\.log/);
    // Not a terminal: progress lines, with every column of the table.
    expect(out).toMatch(
      /progress template: received 21, finished 20, requeued 0, dead-lettered 1, throttled 0, errors 0, in flight 0, msgs\/s \d+\.\d, p99 (\d+ ms|\d+\.\d s), toggle started\n/,
    );
    // The edge example on workerd, fed by the bridge's HTTP invoker, like the Lambda examples.
    expect(out).toMatch(/edge {9}http:\/\/127\.0\.0\.1:\d+\/ {3}\(template-edge on workerd\)/);
    expect(out).toMatch(/progress template-edge: received 11, finished 10, requeued 0, dead-lettered 1, /);

    const pid = up.child.pid ?? 0;
    const children = descendants(pid).map((c) => c.pid);
    // nsqd, redis-server, minio, the bridge and local Lambda workers at least.
    expect(children.length).toBeGreaterThanOrEqual(5);

    up.child.kill('SIGINT');
    const exit = await up.exited;
    expect(exit.code, up.stderr()).toBe(0);
    expect(up.stdout()).toContain('stopped.');
    await waitFor(() => children.every((c) => !isProcessAlive(c)), {
      what: `no child process of npm start left (still alive: ${children.filter(isProcessAlive).join(', ')})`,
      timeoutMs: 10_000,
    });
  }, 260_000);
});
