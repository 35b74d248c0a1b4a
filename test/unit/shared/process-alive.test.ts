import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '#shared/process-alive';

describe('isProcessAlive', () => {
  it('is true for this process and for pid 1 (another owner counts as alive)', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(1)).toBe(true);
  });

  it('is false for a process that has exited', () => {
    const child = spawnSync(process.execPath, ['-e', '0']);
    expect(child.status).toBe(0);
    expect(isProcessAlive(child.pid as number)).toBe(false);
  });
});
