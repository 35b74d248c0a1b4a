import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneDeadRunLogDirs, runLogDir } from '#dev/up/log-dir';

describe('runLogDir', () => {
  it.each([
    [false, '/p/.cache/up/logs'],
    [true, '/p/.cache/up/logs/run-42'],
  ])('freePorts %s → %s', (freePorts, expected) => {
    expect(runLogDir('/p/.cache/up/logs', freePorts, 42)).toBe(expected);
  });
});

describe('pruneDeadRunLogDirs', () => {
  it('removes the run directories of dead processes only, and nothing else', () => {
    const base = mkdtempSync(join(tmpdir(), 'up-logs-'));
    for (const d of ['run-1', 'run-2', 'run-x', 'other']) mkdirSync(join(base, d));
    writeFileSync(join(base, 'bridge.log'), 'fixed-port run');
    const removed = pruneDeadRunLogDirs(base, (pid) => pid === 2);
    expect(removed).toEqual(['run-1']);
    expect(['run-1', 'run-2', 'run-x', 'other', 'bridge.log'].map((n) => existsSync(join(base, n)))).toEqual([
      false,
      true,
      true,
      true,
      true,
    ]);
  });

  it('keeps the directory of a live process (this one) with the real check', () => {
    const base = mkdtempSync(join(tmpdir(), 'up-logs-'));
    mkdirSync(join(base, `run-${process.pid}`));
    expect(pruneDeadRunLogDirs(base)).toEqual([]);
  });

  it('is a no-op when the base does not exist yet', () => {
    expect(pruneDeadRunLogDirs(join(tmpdir(), 'no-such-dir-for-up-logs'))).toEqual([]);
  });
});
