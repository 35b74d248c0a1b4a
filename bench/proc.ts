/**
 * Reads a process's CPU time and peak memory from Linux /proc, for any child the benchmark starts
 * (Node or Go): `/proc/<pid>/stat` utime + stime (clock ticks), `/proc/<pid>/status` VmHWM/VmRSS, and
 * the open file descriptors in `/proc/<pid>/fd`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuTicks {
  /** User-mode CPU time, in clock ticks. */
  readonly userTicks: number;
  /** Kernel-mode CPU time, in clock ticks. */
  readonly systemTicks: number;
}

export interface MemoryUse {
  /** VmHWM: the peak resident set size so far. */
  readonly peakRssBytes: number;
  /** VmRSS: the resident set size now. */
  readonly rssBytes: number;
}

/**
 * Parses the text of `/proc/<pid>/stat`. The command name (field 2) is in parentheses and may
 * contain spaces or parentheses, so fields are counted after the LAST `)`: utime and stime are
 * fields 14 and 15 of the whole line.
 */
export function parseProcStat(text: string): CpuTicks {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(text.slice(0, 80))}`);
  // After ")": field 3 (state) is index 0, so field N is index N - 3.
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const userTicks = Number(fields[14 - 3]);
  const systemTicks = Number(fields[15 - 3]);
  if (!Number.isInteger(userTicks) || !Number.isInteger(systemTicks))
    throw new Error(`cannot read utime/stime from /proc/<pid>/stat: ${JSON.stringify(text.slice(0, 120))}`);
  return { userTicks, systemTicks };
}

/** Reads a `Vm*:  <n> kB` line of `/proc/<pid>/status` as bytes; undefined when absent (a zombie). */
export function parseStatusKb(text: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

export function parseMemoryUse(text: string): MemoryUse {
  const peakRssBytes = parseStatusKb(text, 'VmHWM');
  const rssBytes = parseStatusKb(text, 'VmRSS');
  if (peakRssBytes === undefined || rssBytes === undefined)
    throw new Error('no VmHWM/VmRSS in /proc/<pid>/status (has the process exited?)');
  return { peakRssBytes, rssBytes };
}

let clockTicksPerSecond: number | undefined;

/** `getconf CLK_TCK` (100 on practically every Linux), read once. */
export function ticksPerSecond(): number {
  if (clockTicksPerSecond === undefined) {
    let value = 100;
    try {
      value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      // getconf missing: Linux's USER_HZ is 100 on every mainstream architecture.
    }
    clockTicksPerSecond = value;
  }
  return clockTicksPerSecond;
}

/** CPU seconds (user + system) a live process has used so far. */
export function readCpuSeconds(pid: number): number {
  const ticks = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return (ticks.userTicks + ticks.systemTicks) / ticksPerSecond();
}

export function readMemoryUse(pid: number): MemoryUse {
  return parseMemoryUse(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** Open file descriptors of a live process (entries of `/proc/<pid>/fd`: sockets, files, pipes). */
export function readOpenFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
