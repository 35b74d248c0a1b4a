/**
 * What a run started, on disk: one directory per run under .cache/run/<owner pid>/, an owner.json for the
 * process that owns the run and one <pid>.json per process it started (pid, start time from
 * /proc/<pid>/stat, command line, ports, throw-away directories). The test harness, `npm start` and
 * `npm run bench` all write them (dev/services/process.ts, dev/up/bridge-process.ts, the local Lambda's
 * workers).
 *
 * A record proves a process is ours only while the same pid still has the same start time and the same
 * command line: a pid the kernel gave to another process since fails the check and is never touched.
 * `cleanLeftovers` stops what dead owners left behind and removes their directories.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './binaries.ts';
import { waitFor } from './wait.ts';

/** Where runs record what they start: .cache/run, or NSQ_LAMBDA_RUN_ROOT (tests that plant leftovers). */
export function runRoot(): string {
  return process.env.NSQ_LAMBDA_RUN_ROOT || join(projectRoot, '.cache', 'run');
}

export interface ProcessRecord {
  readonly name: string;
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot when the process started. */
  readonly startTicks: number;
  /** /proc/<pid>/cmdline as the process shows it. */
  readonly argv: readonly string[];
  readonly ports: readonly number[];
  /** Throw-away directories of the process (data dirs), removed with a leftover. */
  readonly dirs: readonly string[];
}

/** The start time of a live process, or undefined when there is no such process. */
export function procStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

export function procArgv(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.replace(/\0$/, '').split('\0');
  } catch {
    return undefined;
  }
}

/** True while `record` describes a live process: same pid, same start time, same command line. */
export function isSameProcess(record: Pick<ProcessRecord, 'pid' | 'startTicks' | 'argv'>): boolean {
  const ticks = procStartTicks(record.pid);
  if (ticks === undefined || ticks !== record.startTicks) return false;
  const argv = procArgv(record.pid);
  return argv !== undefined && argv.join('\0') === record.argv.join('\0');
}

/** The record of a live process as it is now; `argv` defaults to what /proc shows. */
export function recordOf(
  pid: number,
  fields: { name: string; argv?: readonly string[]; ports?: readonly number[]; dirs?: readonly string[] },
): ProcessRecord {
  return {
    name: fields.name,
    pid,
    startTicks: procStartTicks(pid) ?? -1,
    argv: fields.argv ?? procArgv(pid) ?? [],
    ports: fields.ports ?? [],
    dirs: fields.dirs ?? [],
  };
}

/** Writes a record into this run's directory (NSQ_LAMBDA_PID_DIR); returns how to remove it. */
export function writeRecord(record: ProcessRecord): () => void {
  const dir = process.env.NSQ_LAMBDA_PID_DIR;
  if (!dir) return () => {};
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${record.pid}.json`);
  writeFileSync(file, `${JSON.stringify(record)}\n`);
  return () => rmSync(file, { force: true });
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The records in one run directory (owner.json excluded). */
export function readRecords(dir: string): ProcessRecord[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files
    .filter((f) => /^\d+\.json$/.test(f))
    .map((f) => readJson<ProcessRecord>(join(dir, f)))
    .filter((r): r is ProcessRecord => r !== undefined && typeof r.pid === 'number');
}

/** Stops the processes of `records` that are provably ours (SIGTERM, SIGKILL after `graceMs`). */
export async function stopRecorded(
  records: readonly ProcessRecord[],
  graceMs = 2_000,
): Promise<ProcessRecord[]> {
  const ours = records.filter(isSameProcess);
  for (const r of ours) signal(r.pid, 'SIGTERM');
  const gone = () => ours.every((r) => !isSameProcess(r));
  try {
    await waitFor(gone, { what: 'leftovers to exit', timeoutMs: graceMs, intervalMs: 50 });
  } catch {
    for (const r of ours) if (isSameProcess(r)) signal(r.pid, 'SIGKILL');
    await waitFor(gone, { what: 'killed leftovers to exit', timeoutMs: 5_000, intervalMs: 50 });
  }
  for (const r of records) for (const d of r.dirs) rmSync(d, { recursive: true, force: true });
  return ours;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // exited meanwhile
  }
}

/**
 * Stops what runs whose owner is gone left behind, and removes their directories. A run whose owner
 * still lives (a test run or a stack next door) and a directory without an owner record are left alone.
 */
export async function cleanLeftovers(root = runRoot()): Promise<ProcessRecord[]> {
  let dirs: string[];
  try {
    dirs = readdirSync(root);
  } catch {
    return [];
  }
  const stopped: ProcessRecord[] = [];
  for (const name of dirs) {
    const dir = join(root, name);
    const owner = readJson<ProcessRecord>(join(dir, 'owner.json'));
    if (!owner || owner.pid === process.pid || isSameProcess(owner)) continue;
    stopped.push(...(await stopRecorded(readRecords(dir))));
    rmSync(dir, { recursive: true, force: true });
  }
  return stopped;
}

/** One line naming what `cleanLeftovers` stopped, or undefined when it stopped nothing. */
export function leftoversLine(stopped: readonly ProcessRecord[]): string | undefined {
  if (stopped.length === 0) return undefined;
  const what = stopped.map(
    (r) => `${r.name} (pid ${r.pid}${r.ports.length ? `, port ${r.ports.join('/')}` : ''})`,
  );
  return `stopped ${stopped.length} process${stopped.length === 1 ? '' : 'es'} left by an earlier run: ${what.join(', ')}`;
}

/**
 * Makes this process the owner of a new run directory (<run root>/<pid>) and points NSQ_LAMBDA_PID_DIR
 * at it, so everything it starts is recorded. Returns the directory and how to remove it after a clean stop.
 */
export function beginRun(root = runRoot()): { dir: string; end: () => void } {
  const dir = join(root, String(process.pid));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'owner.json'), `${JSON.stringify(recordOf(process.pid, { name: 'owner' }))}\n`);
  process.env.NSQ_LAMBDA_PID_DIR = dir;
  return { dir, end: () => rmSync(dir, { recursive: true, force: true }) };
}
