/**
 * `nsq-lambda dlq list|show|replay|purge`: commander wiring; each command lives in commands/dlq-*.ts.
 */
import type { Command } from 'commander';
import { DEFAULT_NSQD_TCP, DEFAULT_S3_REQUEST_TIMEOUT_MS, ENV } from '../lib/settings.ts';
import type { CommandContext } from './context.ts';
import { dlqList } from './dlq-list.ts';
import { dlqPurge, type PurgeFlags } from './dlq-purge.ts';
import { dlqReplay, type ReplayFlags } from './dlq-replay.ts';
import { dlqShow } from './dlq-show.ts';
import { type CommonFlags, DEFAULT_DLQ_CHANNEL, type StoreFlags } from './dlq-store.ts';

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
    )
    .option(
      '--timeout <duration>',
      `time one S3 request may take before it fails (one retry), e.g. 10s (default ${DEFAULT_S3_REQUEST_TIMEOUT_MS / 1000}s)`,
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
