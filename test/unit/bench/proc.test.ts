import { closeSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseMemoryUse,
  parseProcStat,
  parseStatusKb,
  readCpuSeconds,
  readMemoryUse,
  readOpenFds,
} from '../../../bench/proc.ts';

describe('parseProcStat', () => {
  it('reads utime and stime (fields 14 and 15)', () => {
    const line =
      '4242 (node) S 1 4242 4242 0 -1 4194560 12345 0 0 0 731 129 0 0 20 0 11 0 123456 1234567890 25000 18446744073709551615 0 0 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0';
    expect(parseProcStat(line)).toEqual({ userTicks: 731, systemTicks: 129 });
  });

  it('counts fields after the last parenthesis, so a command name with spaces and ) is safe', () => {
    const line = '7 (my (weird) cmd) R 1 7 7 0 -1 0 0 0 0 0 55 66 0 0 20 0 1 0 1 1 1';
    expect(parseProcStat(line)).toEqual({ userTicks: 55, systemTicks: 66 });
  });

  it('rejects text that is not a stat line', () => {
    expect(() => parseProcStat('garbage')).toThrow(/not a \/proc/);
    expect(() => parseProcStat('1 (x) S 1')).toThrow(/utime\/stime/);
  });
});

describe('status', () => {
  const status =
    'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t   204800 kB\nVmRSS:\t   102400 kB\nThreads:\t11\n';

  it('reads VmHWM and VmRSS in bytes', () => {
    expect(parseStatusKb(status, 'VmHWM')).toBe(204_800 * 1024);
    expect(parseMemoryUse(status)).toEqual({ peakRssBytes: 204_800 * 1024, rssBytes: 102_400 * 1024 });
  });

  it('says so when the fields are missing (a zombie has none)', () => {
    expect(parseStatusKb('Name:\tx\n', 'VmHWM')).toBeUndefined();
    expect(() => parseMemoryUse('Name:\tx\nState:\tZ (zombie)\n')).toThrow(/VmHWM/);
  });
});

describe('reading a live process', () => {
  it('reads this process: CPU time grows with work, peak RSS is at least the current RSS', () => {
    const before = readCpuSeconds(process.pid);
    const until = Date.now() + 150;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    expect(readCpuSeconds(process.pid)).toBeGreaterThan(before);
    const memory = readMemoryUse(process.pid);
    expect(memory.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(memory.peakRssBytes).toBeGreaterThanOrEqual(memory.rssBytes);
  });

  it('counts open file descriptors: one more while a file is open, back after it is closed', () => {
    const before = readOpenFds(process.pid);
    const fd = openSync('/proc/self/status', 'r');
    try {
      expect(readOpenFds(process.pid)).toBe(before + 1);
    } finally {
      closeSync(fd);
    }
    expect(readOpenFds(process.pid)).toBe(before);
  });
});
