/**
 * `nsq-lambda dlq purge`: deletes the selected dead letters after a confirmation.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { filterFromFlags } from '../dlq/filter.ts';
import { ReplayJournal } from '../dlq/replay-journal.ts';
import { selectDeadLetters } from '../dlq/select.ts';
import { badInput } from '../errors.ts';
import { confirm } from '../lib/confirm.ts';
import { ExitCode, type ExitCodeValue } from '../lib/exit-codes.ts';
import { type CliIo, printJson, println } from '../lib/io.ts';
import { type CommonFlags, noteRemaining, openSource, warnMalformed } from './dlq-store.ts';

export type PurgeFlags = CommonFlags & { yes?: boolean; dryRun?: boolean; replayed?: string };

export async function dlqPurge(io: CliIo, flags: PurgeFlags): Promise<ExitCodeValue> {
  const filter = filterFromFlags(flags, io.now());
  let replayed: ReadonlySet<string> | undefined;
  if (flags.replayed) {
    const path = resolve(io.cwd, flags.replayed);
    if (!existsSync(path)) throw badInput(`--replayed: no replay journal at ${path}`);
    const { states } = ReplayJournal.read(path);
    replayed = new Set([...states].filter(([, state]) => state === 'done').map(([key]) => key));
  }
  const source = await openSource(io, flags);
  try {
    const { selected, malformed } = await selectDeadLetters(source, filter);
    warnMalformed(io, malformed);
    noteRemaining(io, source);
    const refs = selected.map((s) => s.ref).filter((ref) => replayed === undefined || replayed.has(ref.key));
    if (refs.length === 0 || flags.dryRun) {
      if (flags.json)
        printJson(io, { source: source.describe, matched: refs.length, deleted: 0, dryRun: !!flags.dryRun });
      else println(io.stdout, `${refs.length} dead letter(s) in ${source.describe} match; nothing deleted`);
      return ExitCode.ok;
    }
    if (!flags.yes) {
      const ok = await confirm(
        io,
        `Delete ${refs.length} dead letter(s) from ${source.describe}?`,
        `refusing to delete ${refs.length} dead letter(s) without confirmation: pass --yes (no terminal to ask on)`,
      );
      if (!ok) {
        println(io.stderr, 'not confirmed; nothing deleted');
        return ExitCode.needsDecision;
      }
    }
    const { failed } = await source.delete(refs);
    if (flags.json) {
      printJson(io, {
        source: source.describe,
        matched: refs.length,
        deleted: refs.length - failed.length,
        failed,
      });
    } else {
      for (const f of failed) println(io.stderr, `could not delete ${f.key}: ${f.message}`);
      println(
        io.stdout,
        `deleted ${refs.length - failed.length} of ${refs.length} dead letter(s) from ${source.describe}`,
      );
    }
    return failed.length > 0 ? ExitCode.failed : ExitCode.ok;
  } finally {
    await source.close();
  }
}
