/**
 * `nsq-lambda status`: one table per subscription from nsqd /stats, the bridge's /metrics and the toggles.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { NsqdHttpClient } from '#shared/nsq/nsqd-http';
import { ExitCode, type ExitCodeValue } from '../lib/exit-codes.ts';
import { loadAll } from '../lib/functions.ts';
import { type CliIo, printJson, println, sleep } from '../lib/io.ts';
import { DEFAULT_NSQD_HTTP, ENV } from '../lib/settings.ts';
import { formatTime, parseDurationMs } from '../lib/time.ts';
import { nsqdHttpAddressesFromLookupd } from '../status/lookupd-nodes.ts';
import { renderStatus } from '../status/render.ts';
import { computeRows } from '../status/rows.ts';
import { type Snapshot, takeSnapshot } from '../status/snapshot.ts';
import {
  subscriptionsFromBridgeConfig,
  subscriptionsFromDefinitions,
  type WatchedSubscription,
} from '../status/subscriptions.ts';
import { upstashToggleStore } from '../toggle/toggle-store.ts';
import type { CommandContext } from './context.ts';
import { FUNCTIONS_DIR_ENV, functionsDirOf } from './toggle.ts';

interface StatusFlags {
  nsqdHttp?: string[];
  lookupdHttp?: string[];
  metricsUrl?: string;
  upstashUrl?: string;
  functionsDir?: string;
  bridgeConfig?: string;
  sample?: string;
  watch?: boolean;
  interval?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerStatus(program: Command, ctx: CommandContext): void {
  program
    .command('status')
    .description(
      'per subscription: nsqd depth, in flight, deferred, requeue and timeout rates, bridge throughput, errors, concurrency, toggle',
    )
    .option(
      '--nsqd-http <host:port>',
      `an nsqd HTTP address; repeat for several (env ${ENV.nsqdHttp}, comma-separated; default ${DEFAULT_NSQD_HTTP})`,
      collect,
    )
    .option(
      '--lookupd-http <host:port>',
      `an nsqlookupd HTTP address to find every nsqd; repeat for several (env ${ENV.lookupdHttp}, comma-separated)`,
      collect,
    )
    .option(
      '--metrics-url <url>',
      `the bridge's Prometheus endpoint (env ${ENV.metricsUrl}); unset: no bridge columns`,
    )
    .option(
      '--upstash-url <url>',
      `toggle store (env ${ENV.upstashUrl} with ${ENV.upstashToken}); unset: no toggle column`,
    )
    .option(
      '--functions-dir <dir>',
      `function definitions to list subscriptions from (env ${FUNCTIONS_DIR_ENV})`,
    )
    .option('--bridge-config <file>', 'list the subscriptions of this bridge config JSON instead')
    .option('--sample <duration>', 'time between the two readings that give the rates; 0 for none', '1s')
    .option('--watch', 'refresh until Ctrl-C')
    .option('--interval <duration>', 'refresh interval with --watch', '2s')
    .addHelpText(
      'after',
      `
Columns: DEPTH, IN-FLIGHT, DEFERRED and REQ/s, TIMEOUT/s come from nsqd (summed over the nsqd given);
DONE/s (messages finished), ERR/s (failed invokes), FILTERED and EXPIRED (messages never invoked:
matching no filter, past maxRecordAgeMs; totals since the bridge started), CONC (concurrency limit/max)
from the bridge;
TOGGLE from the toggle store ("(paused)": the bridge paused consumption). "-" means not available.
Exit code 4 when a configured source is unreachable (the table still shows the rest).

Examples:
  $ nsq-lambda status
  $ nsq-lambda status --nsqd-http 10.0.0.5:4151 --nsqd-http 10.0.0.6:4151 --metrics-url http://bridge:8080/metrics
  $ nsq-lambda status --lookupd-http 10.0.0.2:4161 --watch --interval 5s
  $ nsq-lambda status --json | jq '.rows[] | select(.depth > 1000)'`,
    )
    .action(async (flags: StatusFlags, cmd: Command) => {
      ctx.exitCode = await status(ctx.io, { ...cmd.optsWithGlobals(), ...flags });
    });
}

async function watchedSubscriptions(io: CliIo, flags: StatusFlags): Promise<WatchedSubscription[]> {
  if (flags.bridgeConfig)
    return subscriptionsFromBridgeConfig(resolve(io.cwd, flags.bridgeConfig), flags.bridgeConfig);
  return subscriptionsFromDefinitions(await loadAll(functionsDirOf(flags, io)));
}

function problems(s: Snapshot, extra: readonly string[] = []): string[] {
  return [
    ...extra,
    ...s.nsqdErrors,
    ...(s.metricsError ? [s.metricsError] : []),
    ...(s.toggleError ? [s.toggleError] : []),
  ];
}

export async function status(io: CliIo, flags: StatusFlags): Promise<ExitCodeValue> {
  const sampleMs = flags.sample === '0' ? 0 : parseDurationMs(flags.sample ?? '1s', '--sample');
  const intervalMs = parseDurationMs(flags.interval ?? '2s', '--interval');
  const subscriptions = await watchedSubscriptions(io, flags);
  const list = (flag: string[] | undefined, env: string | undefined) =>
    flag && flag.length > 0
      ? flag
      : (env ?? '')
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean);
  const lookupds = list(flags.lookupdHttp, io.env[ENV.lookupdHttp]);
  const explicit = list(flags.nsqdHttp, io.env[ENV.nsqdHttp]);
  const discovered =
    lookupds.length > 0 ? await nsqdHttpAddressesFromLookupd(lookupds) : { addresses: [], errors: [] };
  const addresses = [
    ...new Set([
      ...explicit,
      ...discovered.addresses,
      ...(explicit.length + lookupds.length === 0 ? [DEFAULT_NSQD_HTTP] : []),
    ]),
  ];
  const metricsUrl = flags.metricsUrl ?? io.env[ENV.metricsUrl];
  const upstashUrl = flags.upstashUrl ?? io.env[ENV.upstashUrl];
  const token = io.env[ENV.upstashToken];
  const sources = {
    nsqds: addresses.map((a) => new NsqdHttpClient(a, { requestTimeoutMs: 5_000 })),
    ...(metricsUrl ? { metricsUrl } : {}),
    ...(upstashUrl && token ? { toggles: upstashToggleStore({ url: upstashUrl, token }) } : {}),
  };
  if (subscriptions.length === 0) {
    if (flags.json) printJson(io, { rows: [], problems: [] });
    else println(io.stdout, 'no subscriptions: no function definition declares one');
    return ExitCode.ok;
  }

  const emit = (cur: Snapshot, prev: Snapshot | undefined, clear: boolean) => {
    const rows = computeRows(subscriptions, cur, prev);
    const issues = problems(cur, discovered.errors);
    if (flags.json) {
      const value = { atMs: cur.atMs, rows, problems: issues };
      io.stdout.write(`${flags.watch ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`);
      return;
    }
    if (clear) io.stdout.write('\x1b[H\x1b[2J');
    else if (flags.watch && prev) println(io.stdout);
    println(
      io.stdout,
      `${formatTime(cur.atMs)}  nsqd ${addresses.join(', ')}${metricsUrl ? `  bridge ${metricsUrl}` : ''}`,
    );
    println(io.stdout, renderStatus(rows));
    for (const p of issues) println(flags.watch ? io.stdout : io.stderr, `warning: ${p}`);
  };

  let prev = await takeSnapshot(sources, subscriptions, io.now);
  if (!flags.watch) {
    let cur = prev;
    if (sampleMs > 0 && problems(prev, discovered.errors).length === 0) {
      await sleep(sampleMs, io.signal);
      cur = await takeSnapshot(sources, subscriptions, io.now);
    }
    emit(cur, cur === prev ? undefined : prev, false);
    return problems(cur, discovered.errors).length > 0 ? ExitCode.unavailable : ExitCode.ok;
  }
  emit(prev, undefined, io.stdout.isTTY === true);
  while (!io.signal.aborted) {
    await sleep(intervalMs, io.signal);
    if (io.signal.aborted) break;
    const cur = await takeSnapshot(sources, subscriptions, io.now);
    emit(cur, prev, io.stdout.isTTY === true);
    prev = cur;
  }
  return ExitCode.ok;
}
