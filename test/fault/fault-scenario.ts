/**
 * One fault-suite run: a real nsqd, redis-server behind the local Upstash endpoint (behind a chaos
 * proxy), the local Lambda serving a recorder function (behind a chaos proxy), and the bridge as a
 * child process. Publishes unique messages, runs the scenario's faults while they flow, waits until
 * nsqd has nothing left, and accounts for every message.
 *
 *   const faults = useFaultScenario();
 *   const report = await faults.run({ functionName: 'fault-recorder', messages: 20_000, ... });
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis as IoRedis } from 'ioredis';
import { afterAll } from 'vitest';
import { startLocalLambda } from '#dev/local-lambda/server';
import { startLocalUpstash } from '#dev/local-upstash/server';
import type { Nsqd } from '#dev/services/nsq';
import type { BridgeConfigInput } from '#shared/config/bridge-config';
import { type DeadLetterRecord, deadLetterRecordSchema } from '#shared/contract/dead-letter';
import { loadFunctions } from '#shared/functions/loader';
import { COUNTERS_MARKER } from '#test/fixtures/functions-fault/recorder';
import { type ChaosProxy, httpThrottle, lambdaThrottle, startChaosProxy } from '#test/harness/chaos-proxy';
import { waitChannelIdle, waitChannelSettled } from '#test/harness/nsq-channel';
import { collectMessages } from '#test/harness/nsq-consumer';
import { useServices, waitFor } from '#test/harness/services';
import { type BridgeProcess, spawnBridge } from '#test/integration/bridge/bridge-process';
import { EDGE_SECRET, EDGE_SECRET_ENV, injectedFaults, startEdgeTarget } from './edge-target.ts';

const faultFunctionsDir = fileURLToPath(new URL('../fixtures/functions-fault', import.meta.url));

const PREFIX = 'fault';
const TOPIC = 'fault-work';
const CHANNEL = 'bridge';
const DEAD_LETTER_TOPIC = 'fault-dead-letters';
const AUDIT_CHANNEL = 'audit';

export interface FaultContext {
  readonly nsqd: Nsqd;
  /** The chaos proxy in front of the local Upstash endpoint (Redis as the function and bridge see it). */
  readonly upstashProxy: ChaosProxy;
  /** The chaos proxy in front of the local Lambda (the bridge's Lambda endpoint), or of workerd. */
  readonly lambdaProxy: ChaosProxy;
  /** Resolves once this fraction of the work messages has been processed. */
  reach(fraction: number): Promise<void>;
  /** Records a fault in the report, with the progress when it struck. */
  note(what: string): Promise<void>;
  /** kill -9 the running bridge, wait for it to die, and start a new one. */
  killAndRestartBridge(): Promise<void>;
}

export interface FaultScenario {
  /** 'fault-recorder-edge' runs on workerd behind the bridge's HTTP invoker (an edge target). */
  readonly functionName: 'fault-recorder' | 'fault-recorder-no-dedupe' | 'fault-recorder-edge';
  readonly messages: number;
  /** Every n-th message is poison (schema-invalid): dead-lettered by the function. 0: none. */
  readonly poisonEvery: number;
  readonly failRate: number;
  readonly timeoutRate: number;
  /** 300 ms of 429s from the Lambda endpoint (the edge target: 429 with Retry-After: 1) every 2 s. */
  readonly throttleBursts: boolean;
  /** Simulated work per invocation. */
  readonly batchDelayMs: number;
  readonly seed?: string;
  /** Runs while the messages flow. */
  faults(ctx: FaultContext): Promise<void>;
}

export interface FaultReport {
  readonly published: readonly string[];
  readonly poison: ReadonlySet<string>;
  readonly processed: ReadonlySet<string>;
  readonly deadLettered: ReadonlySet<string>;
  readonly records: readonly DeadLetterRecord[];
  /** Published, neither processed nor dead-lettered. */
  readonly lost: readonly string[];
  /** Processed or dead-lettered, never published. */
  readonly unknown: readonly string[];
  /** Deliveries to the function beyond the first, per message, summed (retries included). */
  readonly redeliveries: number;
  /** Deliveries dedupe recognised as already done (duplicates caught), summed. */
  readonly duplicatesCaught: number;
  /** Messages whose side effect ran more than once. */
  readonly duplicateSideEffects: readonly string[];
  /** Messages processed with no side effect recorded (must be none). */
  readonly missingSideEffects: readonly string[];
  readonly invocations: number;
  readonly functionErrors: number;
  readonly timeouts: number;
  readonly throttled: number;
  /** Invoke requests the Lambda chaos proxy dropped (connection reset). */
  readonly lambdaResets: number;
  readonly redisResets: number;
  /** The handler kit's counters summed over every invocation (ToggleUnknown, RateLimitUnknown, DedupeUnknown, ...). */
  readonly kitCounters: Readonly<Record<string, number>>;
  readonly wallMs: number;
  readonly faults: readonly string[];
  readonly bridgeOutput: string;
  readonly bridgeExitCode: number | null;
  summary(): string;
}

function bridgeConfig(
  nsqd: Nsqd,
  functionName: string,
  lambdaEndpoint: string,
  upstashUrl: string,
  edge: boolean,
): BridgeConfigInput {
  const config: BridgeConfigInput = {
    nsqdTcpAddresses: [nsqd.tcpAddress],
    lambda: { region: 'us-east-1', endpoint: lambdaEndpoint },
    deadLetter: { kind: 'nsq', topic: DEAD_LETTER_TOPIC, nsqdHttpAddresses: [nsqd.httpAddress] },
    toggles: { url: upstashUrl, pollIntervalMs: 500 },
    http: { host: '127.0.0.1', port: 0 },
    drain: { deadlineMs: 15_000 },
    subscriptions: [
      {
        name: 'fault',
        functionName,
        topic: TOPIC,
        channel: CHANNEL,
        maxMessages: 100,
        maxWaitMs: 50,
        maxConcurrentInvocations: 4,
        maxAttempts: 25,
        msgTimeoutMs: 6_000,
        functionTimeoutMs: 3_000,
        invocationTimeoutMs: 6_000,
        requeue: { baseDelayMs: 100, maxDelayMs: 2_000, jitter: 'equal' },
        toggle: { policy: 'requeue', failMode: 'open' },
      },
    ],
  };
  if (!edge) return config;
  // The edge target: the same subscription, its requests POSTed (signed) to workerd through the proxy.
  return {
    ...config,
    subscriptions: config.subscriptions.map(({ invocationTimeoutMs: _unused, ...s }) => ({
      ...s,
      target: {
        type: 'http' as const,
        url: lambdaEndpoint,
        signingSecret: EDGE_SECRET_ENV,
        timeoutMs: 6_000,
      },
    })),
  };
}

const idOf = (i: number) => `m${String(i).padStart(5, '0')}`;
const sumExtra = (hash: Record<string, string>) =>
  Object.values(hash).reduce((sum, v) => sum + Math.max(0, Number(v) - 1), 0);

export function useFaultScenario() {
  const services = useServices();
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  async function run(scenario: FaultScenario): Promise<FaultReport> {
    const startedAt = Date.now();
    const nsqd = await services.nsqd();
    const redisServer = await services.redis();
    const token = randomBytes(16).toString('hex');
    const upstash = await startLocalUpstash({ redisPort: redisServer.port, token });
    cleanups.push(() => upstash.close());
    const upstashProxy = await startChaosProxy({ target: upstash.url });
    cleanups.push(() => upstashProxy.close());
    const functions = (await loadFunctions(faultFunctionsDir)).filter(
      (f) => f.definition.name === scenario.functionName,
    );
    const lambdaLog: string[] = [];
    const functionEnvironment = {
      UPSTASH_REDIS_REST_URL: upstashProxy.url,
      UPSTASH_REDIS_REST_TOKEN: token,
      FAULT_PREFIX: PREFIX,
      FAULT_SEED: scenario.seed ?? process.env.FAULT_SEED ?? 'nsq-lambda-fault-suite',
      FAULT_FAIL_RATE: String(scenario.failRate),
      FAULT_TIMEOUT_RATE: String(scenario.timeoutRate),
      FAULT_BATCH_DELAY_MS: String(scenario.batchDelayMs),
      POWERTOOLS_LOG_LEVEL: 'CRITICAL',
    };
    const edge = scenario.functionName === 'fault-recorder-edge';
    const [edgeFunction] = functions;
    const edgeTarget =
      edge && edgeFunction ? await startEdgeTarget(edgeFunction, functionEnvironment) : undefined;
    if (edgeTarget) cleanups.push(() => edgeTarget.stop());
    const lambda = edge
      ? undefined
      : await startLocalLambda({
          functions,
          log: (line) => lambdaLog.push(line),
          functionEnvironment: () => functionEnvironment,
        });
    if (lambda) cleanups.push(() => lambda.close());
    const endpoint = edgeTarget?.url ?? lambda?.endpoint ?? '';
    const lambdaProxy = await startChaosProxy({ target: endpoint });
    cleanups.push(() => lambdaProxy.close());
    const redis = new IoRedis({ host: '127.0.0.1', port: redisServer.port, lazyConnect: true });
    await redis.connect();
    cleanups.push(async () => redis.disconnect());

    await nsqd.http.createTopic(TOPIC);
    await nsqd.http.createChannel(TOPIC, CHANNEL);
    await nsqd.http.createTopic(DEAD_LETTER_TOPIC);
    await nsqd.http.createChannel(DEAD_LETTER_TOPIC, AUDIT_CHANNEL);

    const published: string[] = [];
    const poison = new Set<string>();
    const bodies: string[] = [];
    for (let i = 0; i < scenario.messages; i++) {
      const n = idOf(i);
      published.push(n);
      const isPoison = scenario.poisonEvery > 0 && i % scenario.poisonEvery === scenario.poisonEvery - 1;
      if (isPoison) poison.add(n);
      bodies.push(JSON.stringify({ kind: isPoison ? 'poison' : 'work', n }));
    }
    for (let i = 0; i < bodies.length; i += 5_000)
      await nsqd.http.publishMany(TOPIC, bodies.slice(i, i + 5_000));
    const workCount = scenario.messages - poison.size;

    const config = bridgeConfig(nsqd, scenario.functionName, lambdaProxy.url, upstashProxy.url, edge);
    const bridges: BridgeProcess[] = [];
    const spawn = () => {
      const p = spawnBridge(config, { UPSTASH_REDIS_REST_TOKEN: token, [EDGE_SECRET_ENV]: EDGE_SECRET });
      bridges.push(p);
      cleanups.push(async () => {
        p.kill('SIGKILL');
        await p.exited;
      });
      return p;
    };
    const processedCount = () => redis.scard(`${PREFIX}:processed`);
    const faults: string[] = [];
    let bridge = spawn();
    const ctx: FaultContext = {
      nsqd,
      upstashProxy,
      lambdaProxy,
      reach: async (fraction) => {
        await waitFor(async () => (await processedCount()) >= fraction * workCount, {
          what: `${Math.round(fraction * 100)}% of ${workCount} processed`,
          timeoutMs: 120_000,
          intervalMs: 100,
        });
      },
      note: async (what) => {
        faults.push(`${what} at ${await processedCount()}/${workCount}`);
      },
      killAndRestartBridge: async () => {
        bridge.kill('SIGKILL');
        await bridge.exited;
        bridge = spawn();
      },
    };

    let bursts = 0;
    const burstTimer = scenario.throttleBursts
      ? setInterval(() => {
          bursts++;
          void lambdaProxy.during(300, edge ? httpThrottle() : lambdaThrottle());
        }, 2_000)
      : undefined;
    cleanups.push(async () => clearInterval(burstTimer));

    await scenario.faults(ctx);

    // Done when nsqd has nothing left: every message FINished (processed or dead-lettered), and it stays
    // so. Bridges (and nsqd) were restarted, so nsqd's FIN counts are not whole: a quiet period decides.
    await waitChannelIdle(nsqd, TOPIC, CHANNEL, 150_000, { finished: 'uncounted' });
    clearInterval(burstTimer);
    bridge.kill('SIGTERM');
    const bridgeExitCode = await bridge.exited;
    const wallMs = Date.now() - startedAt;

    // The dead letters, as the bridge wrote them to the dead-letter topic. nsqd copies a PUB from the topic
    // to its channels after answering it: wait until the topic has handed everything to the audit channel.
    const { depth } = await waitChannelSettled(
      nsqd,
      DEAD_LETTER_TOPIC,
      AUDIT_CHANNEL,
      (s) => s.topic_depth === 0 && s.in_flight_count === 0 && s.deferred_count === 0,
      { what: 'every dead letter copied to the audit channel' },
    );
    const dlMessages =
      depth > 0
        ? await collectMessages({
            topic: DEAD_LETTER_TOPIC,
            channel: AUDIT_CHANNEL,
            count: depth,
            nsqdTCPAddresses: [nsqd.tcpAddress],
            timeoutMs: 20_000,
          })
        : [];
    const records = dlMessages.map((m) => deadLetterRecordSchema.parse(JSON.parse(m.body.toString('utf8'))));
    const deadLettered = new Set(
      records.map((r) => (JSON.parse(Buffer.from(r.body, 'base64').toString('utf8')) as { n: string }).n),
    );
    const processed = new Set(await redis.smembers(`${PREFIX}:processed`));
    const effects = await redis.hgetall(`${PREFIX}:effects`);
    const deliveries = await redis.hgetall(`${PREFIX}:deliveries`);
    const duplicates = await redis.hgetall(`${PREFIX}:duplicates`);
    const publishedSet = new Set(published);
    const edgeInvocations = Number((await redis.get(`${PREFIX}:invocations`)) ?? 0);
    const stats =
      lambda?.stats()[scenario.functionName] ??
      (edge
        ? {
            invocations: edgeInvocations,
            ...(await injectedFaults(
              edgeInvocations,
              functionEnvironment.FAULT_SEED,
              scenario.failRate,
              scenario.timeoutRate,
            )),
          }
        : undefined);
    const kitCounters: Record<string, number> = {};
    for (const line of edgeTarget ? edgeTarget.output().split('\n') : lambdaLog) {
      const json = line.slice(line.indexOf('{'));
      if (!json.includes(`"${COUNTERS_MARKER}"`)) continue;
      const counters = (JSON.parse(json) as Record<string, Record<string, number>>)[COUNTERS_MARKER] ?? {};
      for (const [k, v] of Object.entries(counters)) kitCounters[k] = (kitCounters[k] ?? 0) + v;
    }
    const byKind: Record<string, number> = {};
    for (const r of records) byKind[r.reasonKind] = (byKind[r.reasonKind] ?? 0) + 1;

    const report: FaultReport = {
      published,
      poison,
      processed,
      deadLettered,
      records,
      lost: published.filter((n) => !processed.has(n) && !deadLettered.has(n)),
      unknown: [...processed, ...deadLettered].filter((n) => !publishedSet.has(n)),
      redeliveries: sumExtra(deliveries),
      duplicatesCaught: Object.values(duplicates).reduce((s, v) => s + Number(v), 0),
      duplicateSideEffects: Object.entries(effects)
        .filter(([, v]) => Number(v) > 1)
        .map(([n]) => n),
      missingSideEffects: [...processed].filter((n) => !(Number(effects[n] ?? 0) >= 1)),
      invocations: stats?.invocations ?? 0,
      functionErrors: stats?.functionErrors ?? 0,
      timeouts: stats?.timeouts ?? 0,
      throttled: lambdaProxy.counts.responded,
      lambdaResets: lambdaProxy.counts.reset,
      redisResets: upstashProxy.counts.reset,
      kitCounters,
      wallMs,
      faults,
      bridgeOutput: bridges.map((b) => b.output()).join('\n'),
      bridgeExitCode,
      summary: () =>
        [
          `[fault-suite ${scenario.functionName}] published=${published.length}`,
          `processed=${processed.size}`,
          `deadLettered=${deadLettered.size} (records=${records.length} ${JSON.stringify(byKind)})`,
          `lost=${report.lost.length}`,
          `duplicatesCaught=${report.duplicatesCaught}`,
          `redeliveries=${report.redeliveries}`,
          `duplicateSideEffects=${report.duplicateSideEffects.length}`,
          `invocations=${report.invocations} functionErrors=${report.functionErrors} timeouts=${report.timeouts}`,
          `throttled429=${report.throttled} (bursts=${bursts})`,
          `lambdaResets=${report.lambdaResets}`,
          `redisResets=${report.redisResets}`,
          `kitCounters=${JSON.stringify(kitCounters)}`,
          `wallMs=${wallMs}`,
          `faults=[${faults.join('; ')}]`,
        ].join(' '),
    };
    return report;
  }

  return { run };
}
