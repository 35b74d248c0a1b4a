/**
 * The replay journal: an append-only file that makes `dlq replay` resumable without double publishing.
 *
 * For each dead letter, the replay appends `begin` (fsynced) before it publishes and `done` (fsynced)
 * after nsqd answered OK. On a rerun:
 * - `done`: skipped, it was published.
 * - no entry: published.
 * - `begin` then `abandon`: the publish certainly failed (nsqd answered an error, or refused the
 *   connection); published on rerun.
 * - `begin` without `done`: *uncertain*. The process died between the two writes, so nsqd may or may
 *   not have the message. The replay publishes one message at a time, so there is at most one such
 *   entry per crash, and the operator decides (`--uncertain skip|republish`).
 * SIGINT/SIGTERM stop the replay between two publishes, so a graceful interruption never leaves an
 * uncertain entry: every dead letter is published exactly once across the runs.
 *
 * A lock file next to the journal keeps two replays from using the same journal at once.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { isProcessAlive } from '#shared/process-alive';
import { badInput, CliError } from '../errors.ts';
import { ExitCode } from '../lib/exit-codes.ts';

export type JournalState = 'begin' | 'done';
type EntryState = JournalState | 'abandon';

interface Entry {
  readonly k: string;
  readonly s: EntryState;
  readonly t: number;
}

export interface JournalHeader {
  readonly source: string;
  readonly target: string;
  readonly createdAtMs: number;
}

export class ReplayJournal {
  readonly #states = new Map<string, JournalState>();
  #fd: number | undefined;
  #lockPath: string;

  private constructor(
    readonly path: string,
    readonly header: JournalHeader | undefined,
  ) {
    this.#lockPath = `${path}.lock`;
  }

  /** Opens (creating if needed) and locks the journal. Throws when another live process holds the lock. */
  static open(path: string, header: Omit<JournalHeader, 'createdAtMs'>, nowMs: number): ReplayJournal {
    mkdirSync(dirname(path), { recursive: true });
    const { header: storedHeader, states } = ReplayJournal.read(path);
    const journal = new ReplayJournal(path, storedHeader ?? { ...header, createdAtMs: nowMs });
    for (const [k, s] of states) journal.#states.set(k, s);
    journal.#lock();
    try {
      journal.#fd = openSync(path, 'a');
      if (!storedHeader) journal.#append({ header: journal.header });
    } catch (err) {
      journal.close();
      throw err;
    }
    return journal;
  }

  /** Reads a journal without opening it for writing; a missing file reads as empty. */
  static read(path: string): { header?: JournalHeader; states: Map<string, JournalState> } {
    const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
    let header: JournalHeader | undefined;
    const states = new Map<string, JournalState>();
    const lines = existing.split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (err) {
        // A torn last line (crash mid-write) is expected; anything else is damage.
        if (i >= lines.length - 2) return;
        throw badInput(`replay journal ${path} line ${i + 1} is not JSON; move it away to start over`, err);
      }
      const o = parsed as Partial<Entry> & { header?: JournalHeader };
      if (o.header) header = o.header;
      else if (typeof o.k === 'string' && states.get(o.k) !== 'done') {
        if (o.s === 'begin' || o.s === 'done') states.set(o.k, o.s);
        else if (o.s === 'abandon') states.delete(o.k);
      }
    });
    return { ...(header ? { header } : {}), states };
  }

  #lock(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.#lockPath, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = Number(readFileSync(this.#lockPath, 'utf8').trim());
        if (Number.isInteger(pid) && pid > 0 && isProcessAlive(pid)) {
          throw new CliError(
            `another replay (pid ${pid}) is using the journal ${this.path}; wait for it or stop it`,
            ExitCode.needsDecision,
          );
        }
        rmSync(this.#lockPath, { force: true }); // stale: its process is gone
      }
    }
    throw new CliError(`could not lock the journal ${this.path}`, ExitCode.failed);
  }

  state(key: string): JournalState | undefined {
    return this.#states.get(key);
  }

  /** Keys with `begin` but no `done`. */
  uncertain(): string[] {
    return [...this.#states].filter(([, s]) => s === 'begin').map(([k]) => k);
  }

  begin(key: string, nowMs: number): void {
    this.#append({ k: key, s: 'begin', t: nowMs });
    this.#states.set(key, 'begin');
  }

  done(key: string, nowMs: number): void {
    this.#append({ k: key, s: 'done', t: nowMs });
    this.#states.set(key, 'done');
  }

  /** The publish certainly did not happen (nsqd refused it, or the connection was refused): retry on rerun. */
  abandon(key: string, nowMs: number): void {
    this.#append({ k: key, s: 'abandon', t: nowMs });
    this.#states.delete(key);
  }

  #append(value: unknown): void {
    if (this.#fd === undefined) throw new Error('replay journal is closed');
    writeSync(this.#fd, `${JSON.stringify(value)}\n`);
    fsyncSync(this.#fd);
  }

  close(): void {
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
    rmSync(this.#lockPath, { force: true });
  }
}
