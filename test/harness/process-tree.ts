/**
 * Processes as /proc shows them, for tests that check what a run left behind. A process is identified by
 * pid and start time, so a pid the kernel hands to someone else later never counts as ours.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { procArgv, procStartTicks } from '#dev/services/run-records';

export interface ProcessId {
  readonly pid: number;
  readonly startTicks: number;
  readonly argv: readonly string[];
}

function stateAndParent(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** Every live descendant of `pid`. */
export function descendants(pid: number): ProcessId[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = stateAndParent(Number(entry));
    if (!info) continue; // ended while we looked
    const list = children.get(info.ppid) ?? [];
    list.push(Number(entry));
    children.set(info.ppid, list);
  }
  const out: ProcessId[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      const id = identify(c);
      if (id) out.push(id);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

export function identify(pid: number): ProcessId | undefined {
  const startTicks = procStartTicks(pid);
  const argv = procArgv(pid);
  return startTicks === undefined || argv === undefined ? undefined : { pid, startTicks, argv };
}

/** True while the process runs: same pid and start time, and not a zombie waiting to be reaped. */
export function isRunning(p: Pick<ProcessId, 'pid' | 'startTicks'>): boolean {
  const info = stateAndParent(p.pid);
  if (!info || info.state === 'Z' || info.state === 'X') return false;
  return procStartTicks(p.pid) === p.startTicks;
}

export function describeProcess(p: ProcessId): string {
  return `${p.pid} ${p.argv.join(' ').slice(0, 120)}`;
}
