/**
 * Where a local run writes its logs. The run on the fixed ports (only one can hold them) writes to
 * `.cache/up/logs`, as the README says. Runs on free ports can run side by side (the e2e tests do), so each
 * gets its own `.cache/up/logs/run-<pid>`: a shared file would be truncated by the next run's start. A
 * start removes the run directories of processes that no longer exist.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '#shared/process-alive';

const RUN_DIR = /^run-(\d+)$/;

/** The log directory for this run, under `base` (`.cache/up/logs`). */
export function runLogDir(base: string, freePorts: boolean, pid = process.pid): string {
  return freePorts ? join(base, `run-${pid}`) : base;
}

/** Removes `run-<pid>` directories under `base` whose process is gone; returns the names removed. */
export function pruneDeadRunLogDirs(
  base: string,
  isAlive: (pid: number) => boolean = isProcessAlive,
): string[] {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = RUN_DIR.exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    rmSync(join(base, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
