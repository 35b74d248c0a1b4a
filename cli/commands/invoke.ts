/**
 * `nsq-lambda invoke <handler> --body <file|->`: one batch through the local Lambda, per-message outcomes.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ItemOutcome } from '#shared/contract/batch-result';
import type { LoadedFunction } from '#shared/functions/loader';
import { badInput, errorChain, unavailable } from '../errors.ts';
import { buildBatchEvent, readBatchEvent } from '../invoke/batch-event.ts';
import { readBodies } from '../invoke/body-input.ts';
import { invokeBatch } from '../invoke/invoke-batch.ts';
import { invokeBatchUnderRie } from '../invoke/invoke-rie.ts';
import { ExitCode, type ExitCodeValue } from '../lib/exit-codes.ts';
import { loadAll, pick } from '../lib/functions.ts';
import { type CliIo, printJson, println } from '../lib/io.ts';
import { ENV } from '../lib/settings.ts';
import { renderTable } from '../lib/table.ts';
import { parseTimeoutMs } from '../lib/time.ts';
import type { CommandContext } from './context.ts';
import { FUNCTIONS_DIR_ENV, functionsDirOf } from './toggle.ts';

interface InvokeFlags {
  body?: string[];
  lines?: boolean;
  event?: string;
  topic?: string;
  channel?: string;
  endpoint?: string;
  functionsDir?: string;
  timeout?: string;
  json?: boolean;
  runtime?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Variables passed to the function when the CLI starts the local Lambda itself. */
const PASSED_ENV = [
  'UPSTASH_REDIS_REST_URL',
  'UPSTASH_REDIS_REST_TOKEN',
  'DATA_BUCKET',
  'S3_ENDPOINT',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'LOG_LEVEL',
  'POWERTOOLS_LOG_LEVEL',
];

export function registerInvoke(program: Command, ctx: CommandContext): void {
  program
    .command('invoke')
    .description('run one batch through the local Lambda and print each message’s outcome')
    .argument('<handler>', 'the function to invoke')
    .option(
      '--body <file|->',
      'a message body from a file, or - for stdin; repeat for more messages',
      collect,
    )
    .option('--lines', 'one message per non-empty line of each --body (JSON lines)')
    .option('--event <file>', 'a whole batch event (JSON, the bridge’s contract) instead of --body')
    .option('--topic <topic>', 'topic in the event (default: the first subscription’s)')
    .option('--channel <channel>', 'channel in the event (default: the first subscription’s)')
    .option(
      '--endpoint <url>',
      `a running local Lambda (env ${ENV.lambdaEndpoint}); default: start one for this command`,
    )
    .option('--functions-dir <dir>', `where the function definitions live (env ${FUNCTIONS_DIR_ENV})`)
    .option(
      '--runtime <local|rie>',
      'local: the local Lambda (default); rie: AWS’s Runtime Interface Emulator with the real Node.js runtime client',
    )
    .option(
      '--timeout <duration>',
      'how long to wait for the Invoke’s answer, e.g. 30s (default: the function’s timeout + 10s)',
    )
    .addHelpText(
      'after',
      `
Exit code 0 when every message finished; 1 when one was requeued or dead-lettered, the function failed,
or its response broke the contract. The function's logs go to stderr.

Examples:
  $ nsq-lambda invoke template --body message.json
  $ echo '{"url":"https://example.com"}' | nsq-lambda invoke html-backup --body -
  $ nsq-lambda invoke html-backup --body urls.jsonl --lines --json
  $ nsq-lambda invoke template --event batch.json --endpoint http://127.0.0.1:9001
  $ nsq-lambda invoke template --body message.json --runtime rie`,
    )
    .action(async (handler: string, flags: InvokeFlags, cmd: Command) => {
      ctx.exitCode = await invoke(ctx.io, handler, { ...cmd.optsWithGlobals(), ...flags });
    });
}

function describeOutcome(o: ItemOutcome): [string, string] {
  if (o.kind === 'finish') return ['finish', ''];
  if (o.kind === 'deadLetter') return ['deadLetter', o.reason];
  return [
    'requeue',
    [o.delayMs === undefined ? 'backoff policy' : `after ${o.delayMs} ms`, o.reason]
      .filter(Boolean)
      .join(': '),
  ];
}

function passedEnvironment(io: CliIo): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASSED_ENV) {
    const v = io.env[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

async function withLambda<T>(
  io: CliIo,
  flags: InvokeFlags,
  fn: LoadedFunction,
  run: (endpoint: string) => Promise<T>,
): Promise<T> {
  const endpoint = flags.endpoint ?? io.env[ENV.lambdaEndpoint];
  if (endpoint) return run(endpoint);
  const { startLocalLambda } = await import('#dev/local-lambda/server');
  const env = passedEnvironment(io);
  let lambda: Awaited<ReturnType<typeof startLocalLambda>>;
  try {
    lambda = await startLocalLambda({
      functions: [fn],
      functionEnvironment: () => env,
      log: (line) => io.stderr.write(`${line}\n`),
    });
  } catch (err) {
    throw unavailable(
      `cannot start the local Lambda for ${fn.definition.name}: ${errorChain(err).split('\n')[0]}`,
      err,
    );
  }
  try {
    return await run(lambda.endpoint);
  } finally {
    await lambda.close();
  }
}

export async function invoke(io: CliIo, handler: string, flags: InvokeFlags): Promise<ExitCodeValue> {
  const bodies = flags.body ?? [];
  if (bodies.length === 0 && !flags.event)
    throw badInput('give --body <file|-> (repeatable) or --event <file>');
  if (bodies.length > 0 && flags.event) throw badInput('give --body or --event, not both');
  const runtime = flags.runtime ?? 'local';
  if (runtime !== 'local' && runtime !== 'rie')
    throw badInput(`--runtime must be local or rie, got ${JSON.stringify(runtime)}`);
  if (runtime === 'rie' && flags.endpoint)
    throw badInput('--endpoint is for the local Lambda, not --runtime rie');
  const timeoutMs = flags.timeout === undefined ? undefined : parseTimeoutMs(flags.timeout, '--timeout');
  const all = await loadAll(functionsDirOf(flags, io));
  const [fn] = pick(all, [handler], false);
  if (!fn) throw badInput(`unknown handler ${JSON.stringify(handler)}`);
  const event = flags.event
    ? await readBatchEvent(resolve(io.cwd, flags.event), flags.event)
    : buildBatchEvent(
        fn.definition,
        await readBodies(bodies, { lines: flags.lines === true, stdin: io.stdin, cwd: io.cwd }),
        {
          ...(flags.topic ? { topic: flags.topic } : {}),
          ...(flags.channel ? { channel: flags.channel } : {}),
          nowMs: io.now(),
        },
      );
  const report =
    runtime === 'rie'
      ? await invokeBatchUnderRie({
          fn,
          event,
          environment: passedEnvironment(io),
          log: (text) => io.stderr.write(text),
          now: io.now,
        })
      : await withLambda(io, flags, fn, (endpoint) =>
          invokeBatch({
            endpoint,
            functionName: fn.definition.name,
            event,
            timeoutMs: timeoutMs ?? fn.definition.timeoutSec * 1000 + 10_000,
            now: io.now,
          }),
        );

  if (flags.json) {
    printJson(io, {
      handler: fn.definition.name,
      batchId: event.batchId,
      messages: event.messages.length,
      ...report,
    });
  } else if (report.kind === 'functionError') {
    println(
      io.stdout,
      `${fn.definition.name} failed (${report.durationMs} ms): ${report.errorType}: ${report.errorMessage}`,
    );
    println(io.stdout, `the bridge would requeue all ${event.messages.length} message(s) with backoff`);
  } else if (report.kind === 'malformed') {
    println(
      io.stdout,
      `${fn.definition.name} answered a malformed response (${report.durationMs} ms): ${report.problem}`,
    );
    println(io.stdout, `the bridge would requeue all ${event.messages.length} message(s) and count it`);
  } else {
    const count = (k: ItemOutcome['kind']) => report.outcomes.filter((o) => o.outcome.kind === k).length;
    println(
      io.stdout,
      renderTable(
        [{ header: 'ID' }, { header: 'OUTCOME' }, { header: 'DETAIL', maxWidth: 80 }],
        report.outcomes.map((o) => [o.id, ...describeOutcome(o.outcome)]),
      ),
    );
    println(
      io.stdout,
      `${fn.definition.name}: ${count('finish')} finished, ${count('requeue')} requeued, ${count('deadLetter')} dead-lettered (${report.durationMs} ms${report.requestId ? `, request ${report.requestId}` : ''})`,
    );
  }
  const allFinished = report.kind === 'answered' && report.outcomes.every((o) => o.outcome.kind === 'finish');
  return allFinished ? ExitCode.ok : ExitCode.failed;
}
