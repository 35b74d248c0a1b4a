/**
 * `nsq-lambda dlq list|show|replay|purge`: the commander layer over cli/dlq/.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { nsqNameSchema } from '#shared/contract/batch-event';
import { type DeadLetterFilter, type FilterFlags, filterFromFlags } from '../dlq/filter.ts';
import { describeBody, listTable, showText } from '../dlq/format.ts';
import { NsqTopicDeadLetterSource } from '../dlq/nsq-topic-source.ts';
import { nsqdPublisher } from '../dlq/nsqd-publisher.ts';
import { replay, type UncertainPolicy, UncertainReplayError } from '../dlq/replay.ts';
import { ReplayJournal } from '../dlq/replay-journal.ts';
import { parseDeadLetterKey, S3DeadLetterSource } from '../dlq/s3-source.ts';
import { selectDeadLetters } from '../dlq/select.ts';
import type { DeadLetterRef, DeadLetterSource } from '../dlq/source.ts';
import { confirm } from '../lib/confirm.ts';
import { badInput, CliError } from '../lib/errors.ts';
import { ExitCode, type ExitCodeValue } from '../lib/exit-codes.ts';
import { type CliIo, printJson, println } from '../lib/io.ts';
import { progressBar } from '../lib/progress.ts';
import { createS3Client, DEFAULT_NSQD_TCP, ENV, nsqdHttpAddress, s3Location } from '../lib/settings.ts';
import { parsePositiveInt, parsePositiveNumber } from '../lib/time.ts';
import type { CommandContext } from './context.ts';

interface StoreFlags {
  bucket?: string;
  prefix?: string;
  s3Endpoint?: string;
  fromTopic?: string;
  dlqChannel?: string;
  nsqdTcp?: string;
  nsqdHttp?: string;
}

export const DEFAULT_DLQ_CHANNEL = 'nsq-lambda-cli';

type CommonFlags = StoreFlags & FilterFlags & { json?: boolean };

/** The dead-letter topic when the NSQ store is chosen: `--from-topic`, or its env without a bucket. */
function deadLetterTopic(io: CliIo, flags: StoreFlags): string | undefined {
  if (flags.fromTopic) return flags.fromTopic;
  if (flags.bucket || io.env[ENV.bucket]) return undefined;
  return io.env[ENV.deadLetterTopic] || undefined;
}

async function openSource(io: CliIo, flags: StoreFlags): Promise<DeadLetterSource> {
  const topic = deadLetterTopic(io, flags);
  if (topic) {
    return NsqTopicDeadLetterSource.open({
      topic,
      channel: flags.dlqChannel ?? DEFAULT_DLQ_CHANNEL,
      nsqdTcpAddress: flags.nsqdTcp ?? io.env[ENV.nsqdTcp] ?? DEFAULT_NSQD_TCP,
      nsqdHttpAddress: nsqdHttpAddress(flags.nsqdHttp, io.env),
    });
  }
  const location = s3Location(flags, io.env);
  return new S3DeadLetterSource(createS3Client(location, io.env), location.bucket, location.prefix);
}

function addStoreOptions(cmd: Command): Command {
  return cmd
    .option('--bucket <name>', `dead-letter bucket (env ${ENV.bucket})`)
    .option('--prefix <prefix>', `key prefix of the dead letters (env ${ENV.prefix}, default dead-letters)`)
    .option('--s3-endpoint <url>', `S3-compatible endpoint, e.g. MinIO (env ${ENV.s3Endpoint})`)
    .option(
      '--from-topic <topic>',
      `read the NSQ dead-letter topic instead of S3 (env ${ENV.deadLetterTopic})`,
    )
    .option(
      '--dlq-channel <name>',
      `the CLI's channel on the dead-letter topic (default ${DEFAULT_DLQ_CHANNEL})`,
    )
    .option(
      '--nsqd-tcp <host:port>',
      `nsqd TCP address for --from-topic (env ${ENV.nsqdTcp}, default ${DEFAULT_NSQD_TCP})`,
    )
    .option(
      '--nsqd-http <host:port>',
      `nsqd HTTP address: replay target, --from-topic stats (env ${ENV.nsqdHttp})`,
    );
}

function addFilterOptions(cmd: Command): Command {
  return cmd
    .option('--handler <name>', 'only dead letters of this function')
    .option('--subscription <name>', 'only this subscription (narrows the S3 listing)')
    .option('--topic <topic>', 'only messages from this topic')
    .option('--since <time>', 'dead-lettered at or after: a duration ago (2h), an ISO time, or epoch ms')
    .option('--until <time>', 'dead-lettered at or before (same forms as --since)')
    .option('--kind <kinds>', 'reason kinds, comma-separated: function, maxAttempts, undeliverable, dropped')
    .option('--reason <text>', 'reason or last error contains this text (case-insensitive)');
}

/** A queue store takes at most 2,500 dead letters per run. */
function noteRemaining(io: CliIo, source: DeadLetterSource): void {
  if (source instanceof NsqTopicDeadLetterSource && source.remaining > 0) {
    println(
      io.stderr,
      `note: ${source.remaining} more dead letter(s) wait on ${source.describe}; rerun for them`,
    );
  }
}

function warnMalformed(io: CliIo, malformed: readonly { key: string; message: string }[]): void {
  for (const m of malformed) println(io.stderr, `warning: skipped malformed object ${m.message}`);
}

export function registerDlq(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  const dlq = program
    .command('dlq')
    .description('inspect, replay and purge dead letters (stored in S3 by the bridge)')
    .addHelpText(
      'after',
      `
The store is found from --bucket/--prefix/--s3-endpoint or ${ENV.bucket}, ${ENV.prefix}, ${ENV.s3Endpoint};
credentials from the AWS default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, role).

Examples:
  $ nsq-lambda dlq list --handler html-backup --since 2h
  $ nsq-lambda dlq show 0a1b2c3d4e5f6789
  $ nsq-lambda dlq replay --handler html-backup --kind function --rate 20 --dry-run
  $ nsq-lambda dlq purge --until 30d --yes`,
    );

  addFilterOptions(
    addStoreOptions(
      dlq
        .command('list')
        .description('list dead letters, oldest first')
        .option('--limit <n>', 'show at most n', '1000')
        .addHelpText(
          'after',
          `
Examples:
  $ nsq-lambda dlq list
  $ nsq-lambda dlq list --handler html-backup --since 24h --kind maxAttempts
  $ nsq-lambda dlq list --reason timeout --json | jq '.items[].id'`,
        ),
    ),
  ).action(async (flags: CommonFlags & { limit: string }, cmd: Command) => {
    ctx.exitCode = await dlqList(io, { ...cmd.optsWithGlobals(), ...flags });
  });

  addStoreOptions(
    dlq
      .command('show')
      .description('show one dead letter: its metadata and the original body')
      .argument('<id-or-key>', 'the NSQ message id, or the full object key')
      .option('--raw', 'write only the original body bytes to stdout (for piping to a file)')
      .addHelpText(
        'after',
        `
Examples:
  $ nsq-lambda dlq show 0a1b2c3d4e5f6789
  $ nsq-lambda dlq show dead-letters/html-backup/2026/11/27/1795000000000-0a1b2c3d4e5f6789.json --json
  $ nsq-lambda dlq show 0a1b2c3d4e5f6789 --raw > body.bin`,
      ),
  ).action(async (idOrKey: string, flags: StoreFlags & { raw?: boolean }, cmd: Command) => {
    ctx.exitCode = await dlqShow(io, idOrKey, { ...cmd.optsWithGlobals(), ...flags });
  });

  addFilterOptions(
    addStoreOptions(
      dlq
        .command('replay')
        .description('republish the original bodies, byte-exact, to their topics; resumable')
        .option('--to-topic <topic>', 'publish to this topic instead of each message’s own')
        .option('--rate <msgs-per-sec>', 'publish at most this many messages per second', '50')
        .option('--dry-run', 'list what would be published, publish nothing')
        .option(
          '--journal <file>',
          'replay journal (default: $XDG_STATE_HOME/nsq-lambda/replays/<hash of store, filter, target>.jsonl)',
        )
        .option(
          '--uncertain <policy>',
          'after a killed replay, what to do with the message that may have been published: skip or republish',
        )
        .addHelpText(
          'after',
          `
Exactly once: each message is journaled before and after its publish (fsynced), one at a time.
Ctrl-C stops between two publishes; rerun the same command to resume where it stopped. If the
process was killed mid-publish, the rerun names the one uncertain message and asks for --uncertain.

Examples:
  $ nsq-lambda dlq replay --handler html-backup --dry-run
  $ nsq-lambda dlq replay --handler html-backup --since 2h --rate 20
  $ nsq-lambda dlq replay --subscription html-backup --to-topic pages-retry --json`,
        ),
    ),
  ).action(async (flags: ReplayFlags, cmd: Command) => {
    ctx.exitCode = await dlqReplay(io, { ...cmd.optsWithGlobals(), ...flags });
  });

  addFilterOptions(
    addStoreOptions(
      dlq
        .command('purge')
        .description('delete dead letters (asks first unless --yes)')
        .option('--yes', 'do not ask for confirmation')
        .option('--dry-run', 'only count what would be deleted')
        .option('--replayed <journal>', 'only dead letters this replay journal marks as published')
        .addHelpText(
          'after',
          `
Examples:
  $ nsq-lambda dlq purge --handler html-backup --until 30d
  $ nsq-lambda dlq purge --kind dropped --yes
  $ nsq-lambda dlq purge --replayed ~/.local/state/nsq-lambda/replays/3f2a9c0d1e4b5a6f.jsonl --yes`,
        ),
    ),
  ).action(async (flags: PurgeFlags, cmd: Command) => {
    ctx.exitCode = await dlqPurge(io, { ...cmd.optsWithGlobals(), ...flags });
  });
}

export async function dlqList(io: CliIo, flags: CommonFlags & { limit?: string }): Promise<ExitCodeValue> {
  const filter = filterFromFlags(flags, io.now());
  const limit = flags.limit === undefined ? 1000 : parsePositiveInt(flags.limit, '--limit');
  const source = await openSource(io, flags);
  try {
    const { selected, malformed } = await selectDeadLetters(source, filter, { withRecords: true, limit });
    if (flags.json) {
      printJson(io, {
        source: source.describe,
        count: selected.length,
        items: selected.map(({ ref, record }) => {
          const { body: _body, ...rest } = record ?? ({ body: '' } as { body: string });
          return { key: ref.key, ...rest, bodyBytes: Buffer.byteLength(record?.body ?? '', 'base64') };
        }),
        malformed,
      });
    } else {
      warnMalformed(io, malformed);
      noteRemaining(io, source);
      if (selected.length === 0) println(io.stdout, `no dead letters in ${source.describe} match`);
      else {
        println(io.stdout, listTable(selected));
        println(io.stdout, `${selected.length} dead letter(s) in ${source.describe}`);
      }
    }
    return ExitCode.ok;
  } finally {
    await source.close();
  }
}

async function findRef(source: DeadLetterSource, idOrKey: string): Promise<DeadLetterRef> {
  if (source instanceof S3DeadLetterSource) {
    const byKey = parseDeadLetterKey(source.prefix, idOrKey);
    if (byKey) return byKey;
    if (!/^[A-Za-z0-9_-]+$/.test(idOrKey)) {
      throw badInput(
        `${JSON.stringify(idOrKey)} is neither a message id nor a dead-letter key under ${source.prefix}/`,
      );
    }
  }
  const found: DeadLetterRef[] = [];
  for await (const ref of source.listRefs({})) if (ref.id === idOrKey || ref.key === idOrKey) found.push(ref);
  if (found.length === 0) throw badInput(`no dead letter with id ${idOrKey} in ${source.describe}`);
  if (found.length > 1) {
    throw badInput(
      `${found.length} dead letters have id ${idOrKey} (the message was dead-lettered more than once); pass the key: ${found.map((r) => r.key).join(', ')}`,
    );
  }
  return found[0] as DeadLetterRef;
}

export async function dlqShow(
  io: CliIo,
  idOrKey: string,
  flags: StoreFlags & { raw?: boolean; json?: boolean },
): Promise<ExitCodeValue> {
  const source = await openSource(io, flags);
  try {
    const ref = await findRef(source, idOrKey);
    const record = await source.read(ref);
    const body = Buffer.from(record.body, 'base64');
    if (flags.raw) io.stdout.write(body);
    else if (flags.json) {
      const shown = describeBody(body);
      printJson(io, {
        key: ref.key,
        ...record,
        bodyBytes: body.byteLength,
        ...(shown.encoding === 'utf-8' ? { bodyText: shown.text } : {}),
      });
    } else println(io.stdout, showText(ref.key, record));
    return ExitCode.ok;
  } finally {
    await source.close();
  }
}

type ReplayFlags = CommonFlags & {
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

type PurgeFlags = CommonFlags & { yes?: boolean; dryRun?: boolean; replayed?: string };

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
