/**
 * `nsq-lambda dlq replay`: the commander side of cli/dlq/replay.ts (journal path, publisher, output).
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { nsqNameSchema } from '#shared/contract/batch-event';
import { type DeadLetterFilter, filterFromFlags } from '../dlq/filter.ts';
import { NsqTopicDeadLetterSource } from '../dlq/nsq-topic-source.ts';
import { nsqdPublisher } from '../dlq/nsqd-publisher.ts';
import { replay, type UncertainPolicy } from '../dlq/replay.ts';
import { ReplayJournal } from '../dlq/replay-journal.ts';
import { selectDeadLetters } from '../dlq/select.ts';
import { badInput, CliError, UncertainReplayError } from '../errors.ts';
import { ExitCode, type ExitCodeValue } from '../lib/exit-codes.ts';
import { type CliIo, printJson, println } from '../lib/io.ts';
import { progressBar } from '../lib/progress.ts';
import { ENV, nsqdHttpAddress } from '../lib/settings.ts';
import { parsePositiveNumber } from '../lib/time.ts';
import { type CommonFlags, noteRemaining, openSource, warnMalformed } from './dlq-store.ts';

export type ReplayFlags = CommonFlags & {
  nsqdHttp?: string;
  toTopic?: string;
  rate?: string;
  dryRun?: boolean;
  journal?: string;
  uncertain?: string;
};

/**
 * `$XDG_STATE_HOME/nsq-lambda/replays/<hash>.jsonl` (or `~/.local/state/...`): the same command line
 * finds the same journal from any directory.
 */
export function defaultJournalPath(io: Pick<CliIo, 'env' | 'cwd'>, identity: unknown): string {
  const hash = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
  const stateHome =
    io.env.XDG_STATE_HOME ??
    (io.env.HOME ? join(io.env.HOME, '.local', 'state') : join(io.cwd, '.nsq-lambda'));
  return join(stateHome, 'nsq-lambda', 'replays', `${hash}.jsonl`);
}

export async function dlqReplay(io: CliIo, flags: ReplayFlags): Promise<ExitCodeValue> {
  const filter: DeadLetterFilter = filterFromFlags(flags, io.now());
  const ratePerSec = parsePositiveNumber(flags.rate ?? '50', '--rate');
  if (flags.toTopic !== undefined && !nsqNameSchema.safeParse(flags.toTopic).success) {
    throw badInput(`--to-topic: ${JSON.stringify(flags.toTopic)} is not an NSQ topic name`);
  }
  const uncertain = flags.uncertain ?? 'refuse';
  if (!['refuse', 'skip', 'republish'].includes(uncertain)) {
    throw badInput(`--uncertain: use skip or republish, not ${JSON.stringify(uncertain)}`);
  }
  const address = nsqdHttpAddress(flags.nsqdHttp, io.env);
  const source = await openSource(io, flags);
  // The flags as typed (--since 2h, not its resolved time): the same command line maps to the same journal.
  const identity = {
    source: source.describe,
    target: address,
    toTopic: flags.toTopic ?? null,
    filter: {
      ...flags,
      json: undefined,
      rate: undefined,
      dryRun: undefined,
      journal: undefined,
      uncertain: undefined,
    },
  };
  const journalPath = flags.journal ? resolve(io.cwd, flags.journal) : defaultJournalPath(io, identity);
  try {
    const { selected, malformed } = await selectDeadLetters(source, filter, { withRecords: true });
    warnMalformed(io, malformed);
    noteRemaining(io, source);
    const items = selected.map(({ ref, record }) => ({
      key: ref.key,
      topic: flags.toTopic ?? record?.topic ?? '',
      load: async () => Buffer.from((await source.read(ref)).body, 'base64'),
      ...(source instanceof NsqTopicDeadLetterSource
        ? {
            settle: async () => {
              await source.delete([ref]);
            },
          }
        : {}),
    }));
    const publisher = nsqdPublisher(address);
    if (!flags.dryRun && items.length > 0 && !(await publisher.client.ping())) {
      throw new CliError(
        `nsqd at ${publisher.client.baseUrl} is unreachable; check --nsqd-http / ${ENV.nsqdHttp}`,
        ExitCode.unavailable,
      );
    }
    const journal = ReplayJournal.open(journalPath, { source: source.describe, target: address }, io.now());
    const bar = flags.json ? progressBar({ write() {} }, '') : progressBar(io.stderr, 'replay', io.now);
    let outcome: Awaited<ReturnType<typeof replay>>;
    try {
      outcome = await replay({
        items,
        journal,
        publisher,
        ratePerSec,
        uncertain: uncertain as UncertainPolicy,
        dryRun: flags.dryRun ?? false,
        signal: io.signal,
        now: io.now,
        onProgress: (p) =>
          bar.update(p.published + p.skipped + p.failed, p.total, p.failed ? `${p.failed} failed` : ''),
      });
    } catch (err) {
      if (err instanceof UncertainReplayError) throw new CliError(err.message, ExitCode.needsDecision);
      throw err;
    } finally {
      bar.finish();
      journal.close();
    }
    const code: ExitCodeValue = outcome.interrupted
      ? ExitCode.interrupted
      : outcome.aborted
        ? ExitCode.unavailable
        : outcome.failed.length > 0 || malformed.length > 0
          ? ExitCode.failed
          : ExitCode.ok;
    if (flags.json) {
      printJson(io, {
        source: source.describe,
        target: address,
        journal: journalPath,
        dryRun: flags.dryRun ?? false,
        total: outcome.total,
        published: outcome.published.length,
        wouldPublish: outcome.wouldPublish.length,
        alreadyDone: outcome.alreadyDone.length,
        skippedUncertain: outcome.skippedUncertain.length,
        failed: outcome.failed,
        malformed,
        interrupted: outcome.interrupted,
        publishedKeys: outcome.published,
        wouldPublishKeys: outcome.wouldPublish,
      });
    } else {
      if (flags.dryRun) {
        for (const key of outcome.wouldPublish) {
          const topic = items.find((i) => i.key === key)?.topic;
          println(io.stdout, `would publish ${key} -> ${topic}`);
        }
        println(
          io.stdout,
          `dry run: ${outcome.wouldPublish.length} of ${outcome.total} would be published to nsqd ${address} (${outcome.alreadyDone.length} already replayed per the journal)`,
        );
      } else {
        for (const f of outcome.failed) println(io.stderr, `failed ${f.key}: ${f.message}`);
        println(
          io.stdout,
          `replayed ${outcome.published.length} of ${outcome.total} dead letter(s) to nsqd ${address}` +
            ` (${outcome.alreadyDone.length} already replayed, ${outcome.skippedUncertain.length} uncertain skipped, ${outcome.failed.length} failed)`,
        );
      }
      println(io.stderr, `journal: ${journalPath}`);
      if (outcome.interrupted) println(io.stderr, 'interrupted: rerun the same command to resume');
      if (outcome.aborted)
        println(io.stderr, `stopped after repeated publish failures; is nsqd at ${address} up?`);
    }
    return code;
  } finally {
    await source.close();
  }
}
