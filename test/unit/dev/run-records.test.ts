import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  beginRun,
  cleanLeftovers,
  isSameProcess,
  leftoversLine,
  type ProcessRecord,
  recordOf,
} from '#dev/services/run-records';
import { isRunning } from '#test/harness/process-tree';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function sleeper(): { child: ChildProcess; record: ProcessRecord } {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  started.push(child);
  return { child, record: recordOf(child.pid ?? 0, { name: 'sleep', ports: [4150] }) };
}

function record(fields: Partial<ProcessRecord>): ProcessRecord {
  return { name: 'nsqd', pid: 1, startTicks: 1, argv: ['nsqd'], ports: [], dirs: [], ...fields };
}

describe('isSameProcess', () => {
  it('proves a live process by pid, start time and command line, and nothing less', () => {
    const { record: r } = sleeper();
    expect(r.argv).toEqual(['sleep', '600']);
    expect(isSameProcess(r)).toBe(true);
    expect(isSameProcess({ ...r, startTicks: r.startTicks + 1 })).toBe(false);
    expect(isSameProcess({ ...r, argv: ['sleep', '601'] })).toBe(false);
  });

  it('is false once the process has exited', async () => {
    const { child, record: r } = sleeper();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(isSameProcess(r)).toBe(false);
  });
});

describe('leftoversLine', () => {
  it.each([
    [[], undefined],
    [
      [record({ pid: 7, ports: [6399] })],
      'stopped 1 process left by an earlier run: nsqd (pid 7, port 6399)',
    ],
    [
      [record({ pid: 7, ports: [4150, 4151] }), record({ name: 'bridge', pid: 8 })],
      'stopped 2 processes left by an earlier run: nsqd (pid 7, port 4150/4151), bridge (pid 8)',
    ],
  ])('%j → %s', (stopped, line) => {
    expect(leftoversLine(stopped)).toBe(line);
  });
});

describe('cleanLeftovers', () => {
  it('stops what a dead owner left and removes its directory; a live owner’s run is left alone', async () => {
    const root = mkdtempSync(join(tmpdir(), 'runs-'));
    try {
      const mine = sleeper();
      const other = sleeper();
      const dataDir = mkdtempSync(join(tmpdir(), 'leftover-data-'));
      const dead = join(root, 'dead');
      mkdirSync(dead);
      writeFileSync(
        join(dead, 'owner.json'),
        JSON.stringify(record({ name: 'owner', pid: 1, startTicks: -5 })),
      );
      writeFileSync(
        join(dead, `${mine.record.pid}.json`),
        JSON.stringify({ ...mine.record, dirs: [dataDir] }),
      );
      // A live owner: the process that runs this test file's worker (its record is real).
      const live = join(root, 'live');
      mkdirSync(live);
      writeFileSync(join(live, 'owner.json'), JSON.stringify(recordOf(process.ppid, { name: 'owner' })));
      writeFileSync(join(live, `${other.record.pid}.json`), JSON.stringify(other.record));

      const stopped = await cleanLeftovers(root);
      expect(stopped.map((r) => r.pid)).toEqual([mine.record.pid]);
      expect(isRunning(mine.record)).toBe(false);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(dataDir)).toBe(false);
      expect(isRunning(other.record)).toBe(true);
      expect(existsSync(live)).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('beginRun makes this process the owner: its own run is never a leftover', async () => {
    const root = mkdtempSync(join(tmpdir(), 'runs-'));
    const saved = process.env.NSQ_LAMBDA_PID_DIR;
    try {
      const run = beginRun(root);
      expect(process.env.NSQ_LAMBDA_PID_DIR).toBe(run.dir);
      expect(await cleanLeftovers(root)).toEqual([]);
      expect(existsSync(run.dir)).toBe(true);
      run.end();
      expect(existsSync(run.dir)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.NSQ_LAMBDA_PID_DIR;
      else process.env.NSQ_LAMBDA_PID_DIR = saved;
      rmSync(root, { recursive: true, force: true });
    }
  });
});
