/**
 * Processes as /proc shows them, for tests that check what a run left behind. A process is identified by
 * pid and start time, so a pid the kernel hands to someone else later never counts as ours.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
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

/** The process listening on a TCP port on this machine, from /proc/net/tcp{,6} and /proc/<pid>/fd. */
export function listenerOf(port: number): ProcessId | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const local = f[1]?.split(':')[1];
      // st 0A is LISTEN; field 9 is the socket's inode.
      if (local && Number.parseInt(local, 16) === port && f[3] === '0A' && f[9]) inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        if (inodes.has(target.slice('socket:['.length, -1)) && target.startsWith('socket:['))
          return identify(Number(entry));
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}
