/**
 * `npm start` (dev/up.ts) as a user runs it: it starts the whole stack, publishes the sample messages,
 * shows them processed, and on SIGINT drains and stops everything, leaving no process behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '#dev/services/binaries';
import { waitFor } from '#dev/services/wait';
import { descendants } from '#test/harness/process-tree';

const upScript = join(projectRoot, 'dev', 'up.ts');
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function startUp(args: readonly string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', upScript, ...args], {
    cwd: projectRoot,
    env: { ...process.env, NSQ_LAMBDA_PID_DIR: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, like a job in a terminal: Ctrl-C is a SIGINT to the whole group.
    detached: true,
  });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

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
    expect(out).toMatch(/progress template: received 21, finished 20, requeued 0, dead-lettered 1/);

    const pid = up.child.pid ?? 0;
    const children = descendants(pid).map((c) => c.pid);
    // nsqd, redis-server, minio, the bridge and local Lambda workers at least.
    expect(children.length).toBeGreaterThanOrEqual(5);

    up.child.kill('SIGINT');
    const exit = await up.exited;
    expect(exit.code, up.stderr()).toBe(0);
    expect(up.stdout()).toContain('stopped.');
    await waitFor(() => children.every((c) => !alive(c)), {
      what: `no child process of npm start left (still alive: ${children.filter(alive).join(', ')})`,
      timeoutMs: 10_000,
    });
  }, 260_000);
});
