/**
 * The bridge process: loads the config and the HTTP targets' signing secrets (exit 1 listing every
 * problem), wires the adapters (Lambda invoker, one HTTP invoker per HTTP target, dead-letter store,
 * Upstash toggles, metrics, logs, EMF, health/metrics HTTP) around `createBridge`, and drains on
 * SIGTERM/SIGINT. config-adapters.ts builds the adapters the config asks for.
 *
 * Shutdown budget (ECS): SIGTERM → drain (RDY 0, requeue what is queued, let in-flight invocations finish
 * within `drain.deadlineMs`, answer everything, close) → exit 0. The container's stopTimeout must exceed
 * drain.deadlineMs plus a few seconds (Fargate allows at most 120 s; the default deadline is 90 s), and a
 * function that may run longer than the deadline is cut: its messages are requeued (at-least-once). A
 * second signal exits at once with 130; nsqd then redelivers whatever was in flight after msg_timeout.
 * Exit code 1 when the drain deadline passed or start-up failed.
 */
import { pathToFileURL } from 'node:url';
import type { SecretReader } from '#shared/clients/secrets-manager';
import { type BridgeConfig, loadBridgeConfig } from '#shared/config/bridge-config';
import { ConfigError } from '#shared/errors';
import { startBacklogMonitor } from './backlog/backlog-monitor.ts';
import { backlogSubscriptions } from './backlog/backlog-subscriptions.ts';
import { type Bridge, createBridge } from './bridge.ts';
import {
  claimCheckStore,
  deadLetterStore,
  type HttpInvokers,
  httpInvokers,
  toggleReader,
} from './config-adapters.ts';
import { NsqjsInternalsError } from './errors.ts';
import { BridgeEventEmitter } from './events.ts';
import { type IdleExit, startIdleExit } from './idle/idle-exit.ts';
import { createLambdaInvoker } from './lambda/lambda-invoker.ts';
import { assertNsqjsInternals } from './nsq/nsqjs-internals.ts';
import { startEmfEmitter } from './observability/emf.ts';
import { startHttpServer } from './observability/http-server.ts';
import { attachLogging } from './observability/log-events.ts';
import { createLogger, isLogLevel, type Logger } from './observability/logger.ts';
import { attachMetrics } from './observability/metrics.ts';
import { MetricsRegistry } from './observability/metrics-registry.ts';
import { attachProcessMetrics } from './observability/process-metrics.ts';

/** Longest start-up waits, after a refusal, for the other subscriptions' first connections. */
const STARTUP_REFUSAL_WAIT_MS = 15_000;

export interface MainOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly exit?: (code: number) => void;
  /** Reads a Secrets Manager secret (signing secrets given as ARNs). @default readSecretFromSecretsManager */
  readonly readSecret?: SecretReader;
}

export async function main(options: MainOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let config: BridgeConfig;
  let http: HttpInvokers;
  try {
    config = loadBridgeConfig(env);
    assertNsqjsInternals();
    http = await httpInvokers(config, env, options.readSecret);
  } catch (error) {
    const known = error instanceof ConfigError || error instanceof NsqjsInternalsError;
    process.stderr.write(`${known ? (error as Error).message : String(error)}\n`);
    exit(1);
    return;
  }
  const logger = createLogger({
    level: isLogLevel(env.LOG_LEVEL) ? env.LOG_LEVEL : 'info',
    redact: [config.secrets.nsqAuthSecret, config.secrets.upstashToken, ...http.secrets],
    base: { service: 'nsq-lambda-bridge' },
  });
  const events = new BridgeEventEmitter();
  const registry = new MetricsRegistry();
  attachLogging(events, logger);
  const emf = env.NSQ_LAMBDA_EMF === 'off' ? undefined : startEmfEmitter({ registry });
  const invoker = createLambdaInvoker({
    region: config.lambda.region,
    ...(config.lambda.endpoint && { endpoint: config.lambda.endpoint }),
    maxSockets: config.subscriptions.reduce((n, s) => n + s.maxConcurrentInvocations, 0) + 4,
    connectionTimeoutMs: 3_000,
  });
  const deadLetters = await deadLetterStore(config);
  const toggles = await toggleReader(config, logger);
  const claimChecks = await claimCheckStore(config);
  const bridge = createBridge({
    config,
    invoker,
    invokers: http.invokers,
    deadLetters,
    events,
    ...(toggles && { toggles }),
    ...(claimChecks && { claimChecks }),
  });
  attachMetrics(events, registry, { subscriptions: () => bridge.status.subscriptions });
  const stopProcessMetrics = attachProcessMetrics(registry);
  const endpoint = await startHttp(config, bridge, registry, logger);
  const backlogPlan = backlogSubscriptions(config);
  for (const { name, reason } of backlogPlan.skipped)
    logger.warn('backlog not monitored', { subscription: name, reason });
  let idleExit: IdleExit | undefined;
  const backlog =
    backlogPlan.subscriptions.length > 0
      ? startBacklogMonitor({
          registry,
          subscriptions: backlogPlan.subscriptions,
          intervalMs: config.backlog.intervalMs,
          onError: (error, subscription) =>
            logger.warn('backlog read failed', { subscription, error: error.message }),
          onPoll: (readings) => void idleExit?.observe(readings),
        })
      : undefined;

  let signals = 0;
  const shutdown = async (reason: string, code: number) => {
    logger.info('draining', { reason, deadlineMs: config.drain.deadlineMs });
    backlog?.stop();
    idleExit?.stop();
    const { timedOut } = await bridge.stop();
    await endpoint.close().catch(() => {});
    emf?.stop();
    stopProcessMetrics();
    logger.info('stopped', { timedOut });
    exit(timedOut ? 1 : code);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn('second signal: exiting without waiting for the drain', { signal });
      exit(130);
      return;
    }
    void shutdown(signal, 0);
  };
  idleExit = await idleExitFor(config, events, bridge, logger, (reason) => {
    if (signals++ > 0) return;
    void shutdown(reason, 0);
  });
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception', { error: error.message, stack: error.stack });
    if (signals++ === 0) void shutdown('uncaughtException', 1);
  });
  process.on('unhandledRejection', (error) => {
    logger.error('unhandled rejection', { error: (error as Error)?.message ?? String(error) });
  });

  // A config the nsqds cannot serve (max_rdy_count below maxInFlight, from their IDENTIFY responses) stops
  // start-up like any invalid config. Once one subscription is refused, start-up waits until every
  // subscription was either subscribed or refused (at most STARTUP_REFUSAL_WAIT_MS), then exits 1 listing
  // every problem. After start-up, a refused nsqd (one discovered later) is only logged.
  const refusals = new Set<string>();
  const decided = new Set<string>();
  let stopping: NodeJS.Timeout | undefined;
  const stopForRefusals = () => {
    clearTimeout(stopping);
    if (signals++ > 0) return;
    process.stderr.write(`${new ConfigError([...refusals]).message}\n`);
    void shutdown('invalid config for the nsqds', 1);
  };
  const decide = (subscription: string) => {
    decided.add(subscription);
    if (stopping !== undefined && decided.size >= config.subscriptions.length) stopForRefusals();
  };
  events.on('nsqd_connected', ({ subscription }) => decide(subscription));
  events.on('nsqd_refused', ({ subscription, problem }) => {
    if (signals > 0 || (stopping === undefined && bridge.status.ready)) return;
    refusals.add(problem);
    stopping ??= setTimeout(stopForRefusals, STARTUP_REFUSAL_WAIT_MS);
    decide(subscription);
  });

  bridge.start();
  logger.info('bridge started', {
    subscriptions: config.subscriptions.map((s) => ({
      name: s.name,
      topic: s.topic,
      channel: s.channelName,
      functionName: s.functionName,
      // Origin and path only: a query string may carry a platform token.
      ...(s.target && { url: `${new URL(s.target.url).origin}${new URL(s.target.url).pathname}` }),
      nsqd: s.nsqdTcpAddresses,
      lookupd: s.lookupdHttpAddresses,
    })),
    deadLetters: config.deadLetter.kind,
    ...(claimChecks && { claimChecks: claimChecks.describe }),
    http: endpoint.url,
  });
}

/** The idle exit, when configured (the ECS client is loaded only then). */
async function idleExitFor(
  config: BridgeConfig,
  events: BridgeEventEmitter,
  bridge: Bridge,
  logger: Logger,
  exit: (reason: string) => void,
): Promise<IdleExit | undefined> {
  const idle = config.idleExit;
  if (!idle) return undefined;
  const unread = backlogSubscriptions(config).skipped.map((s) => s.name);
  if (unread.length > 0)
    logger.warn('idle exit never happens: the backlog of these subscriptions is not read', { unread });
  const ecs = idle.ecsService;
  const service = ecs
    ? (await import('#shared/clients/ecs-service')).ecsServiceCount(ecs, {
        region: ecs.region ?? config.lambda.region,
      })
    : undefined;
  return startIdleExit({
    afterMs: idle.afterMs,
    subscriptions: config.subscriptions.map((s) => s.name),
    events,
    held: () => bridge.status.inFlight,
    ...(service && { service }),
    exit: (reason) => {
      logger.info('idle exit', { reason, ...(ecs && { desiredCount: 0, service: ecs.service }) });
      exit(reason);
    },
    onError: (error) =>
      logger.warn('idle exit: scaling the service to 0 failed; staying up', { error: error.message }),
  });
}

/** /healthz, /readyz (503 while draining or without an nsqd connection) and /metrics. */
function startHttp(config: BridgeConfig, bridge: Bridge, registry: MetricsRegistry, logger: Logger) {
  return startHttpServer({
    host: config.http.host,
    port: config.http.port,
    registry,
    readiness: () => {
      const status = bridge.status;
      const disconnected = status.subscriptions.filter((s) => s.connections === 0).map((s) => s.name);
      return {
        ready: status.ready,
        ...(!status.ready && {
          reason: status.draining
            ? 'draining'
            : !status.running
              ? 'not running'
              : `no nsqd connection for ${disconnected.join(', ')}`,
        }),
        details: { inFlight: status.inFlight, subscriptions: status.subscriptions },
      };
    },
    onError: (error) => logger.error('http endpoint failed', { error: error.message }),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
