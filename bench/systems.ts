/**
 * The consumers the benchmark compares, each as its own process: the bridge (bridge/src/main.ts) at
 * several batch settings against an Invoke endpoint, or at batch 100 through its HTTP invoker into
 * workerd, nsq_to_http POSTing every message to an HTTP endpoint, and a bare nsqjs reader.
 * `bridgeBenchConfig` (bridge-config.ts) builds the bridge's NSQ_LAMBDA_CONFIG.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { goBinary, projectRoot } from '#dev/services/binaries';
import { type ManagedProcess, startProcess } from '#dev/services/process';
import { imageEnv, imageNodeArgs } from './bridge-bundle.ts';
import { type BridgeBatching, bridgeBenchConfig } from './bridge-config.ts';

export type TargetKind = 'responder' | 'local-lambda' | 'workerd' | 'http-sink';

/** What the bridge feeds: the Invoke responder, the local Lambda, or the edge responder on workerd. */
export type BridgeTarget = 'responder' | 'local-lambda' | 'workerd';

export type SystemSpec =
  | {
      readonly kind: 'bridge';
      readonly id: string;
      readonly label: string;
      readonly target: BridgeTarget;
      readonly functionName: string;
      readonly batching: BridgeBatching;
    }
  | {
      readonly kind: 'nsq_to_http';
      readonly id: string;
      readonly label: string;
      /** `-n`: concurrent handler goroutines. */
      readonly handlers: number;
      readonly maxInFlight: number;
    }
  | {
      /** The floor: bench/consumers/forwarder.ts (bare bodies, one POST per batch, no Lambda API). */
      readonly kind: 'forwarder';
      /** `raw`: bare bodies; `lambda`: a base64 JSON event and its SHA-256 (what SigV4 needs). */
      readonly forwardAs: 'raw' | 'lambda';
      readonly id: string;
      readonly label: string;
      readonly batch: number;
      readonly concurrency: number;
      readonly maxInFlight: number;
    }
  | {
      readonly kind: 'nsqjs';
      readonly id: string;
      readonly label: string;
      readonly maxInFlight: number;
      /** IDENTIFY output_buffer_timeout; unset keeps nsqd's default (250 ms). */
      readonly outputBufferTimeoutMs?: number;
    };

export type BridgeSystem = Extract<SystemSpec, { kind: 'bridge' }>;

/** The bridge's env var holding the signing secret of its HTTP target (workerd). */
const EDGE_SIGNING_SECRET_ENV = 'BENCH_EDGE_SIGNING_SECRET';

export function targetOf(system: SystemSpec): TargetKind | undefined {
  if (system.kind === 'bridge') return system.target;
  if (system.kind === 'nsq_to_http' || system.kind === 'forwarder') return 'http-sink';
  return undefined;
}

/** The bridge variants: batch 1, 10, 100, and "auto" (up to 1,000 or maxBytes, flushed after 20 ms). */
export const BRIDGE_BATCHINGS: Readonly<Record<string, BridgeBatching>> = {
  b1: { maxMessages: 1, maxWaitMs: 0, maxConcurrentInvocations: 32, maxInFlight: 64 },
  b10: { maxMessages: 10, maxWaitMs: 20, maxConcurrentInvocations: 16, maxInFlight: 320 },
  b100: { maxMessages: 100, maxWaitMs: 20, maxConcurrentInvocations: 8, maxInFlight: 1_600 },
  auto: { maxMessages: 1_000, maxWaitMs: 20, maxConcurrentInvocations: 2, maxInFlight: 2_500 },
};

const TARGET_LABEL: Record<BridgeTarget, string> = {
  responder: 'responder',
  'local-lambda': 'local Lambda',
  workerd: 'workerd (edge responder)',
};

const BATCH_LABEL: Record<string, string> = {
  b1: 'batch 1',
  b10: 'batch 10',
  b100: 'batch 100',
  auto: 'auto',
};

export function bridgeSystem(
  batch: keyof typeof BRIDGE_BATCHINGS & string,
  target: BridgeTarget,
  functionName = target === 'workerd' ? 'edge-responder' : 'noop',
): BridgeSystem {
  const batching = BRIDGE_BATCHINGS[batch];
  if (!batching) throw new Error(`unknown bridge batching ${batch}`);
  return {
    kind: 'bridge',
    id: `bridge-${batch}-${target}`,
    label: `bridge ${BATCH_LABEL[batch] ?? batch} → ${TARGET_LABEL[target]}`,
    target,
    functionName,
    batching,
  };
}

export function nsqToHttpSystem(handlers: number, maxInFlight: number): SystemSpec {
  return {
    kind: 'nsq_to_http',
    id: `nsq_to_http-n${handlers}-mif${maxInFlight}`,
    label: `nsq_to_http -n ${handlers} --max-in-flight ${maxInFlight}`,
    handlers,
    maxInFlight,
  };
}

/** A floor forwarder, with the bridge's batch-100 settings. */
export function forwarderSystem(forwardAs: 'raw' | 'lambda'): SystemSpec {
  const b = BRIDGE_BATCHINGS.b100 as BridgeBatching;
  return {
    kind: 'forwarder',
    forwardAs,
    id: forwardAs === 'raw' ? 'forwarder-raw-b100' : 'forwarder-lambda-b100',
    label:
      forwardAs === 'raw'
        ? 'floor: raw bodies, one POST per 100'
        : 'floor: base64 JSON + SHA-256, one POST per 100',
    batch: b.maxMessages,
    concurrency: b.maxConcurrentInvocations,
    maxInFlight: b.maxInFlight,
  };
}

export function nsqjsSystem(maxInFlight = 2_500, outputBufferTimeoutMs?: number): SystemSpec {
  if (outputBufferTimeoutMs === undefined)
    return { kind: 'nsqjs', id: 'nsqjs', label: 'bare nsqjs reader (FIN on receipt)', maxInFlight };
  return {
    kind: 'nsqjs',
    id: `nsqjs-obt${outputBufferTimeoutMs}`,
    label: `bare nsqjs reader, output_buffer_timeout ${outputBufferTimeoutMs} ms`,
    maxInFlight,
    outputBufferTimeoutMs,
  };
}

export interface ConsumerContext {
  readonly nsqdTcpAddress: string;
  readonly nsqdHttpAddress: string;
  readonly topic: string;
  readonly channels: readonly string[];
  /** The endpoint of the system's target, when it has one. */
  readonly endpoint: string | undefined;
  readonly deadLetterTopic: string;
  /** Directory for `--cpu-prof` output; the bridge runs with the profiler when set. */
  readonly cpuProfileDir?: string;
  /** The bridge bundle to run (bench/bridge-bundle.ts); unset runs bridge/src/main.ts through tsx. */
  readonly bridgeBundle?: string;
  /** The bridge's ops HTTP port (to read its /metrics); unset picks a free one nobody reads. */
  readonly bridgeHttpPort?: number;
}

/**
 * Node flags for the bridge bundle: the image's NODE_OPTIONS (bridge/Dockerfile) unless
 * BENCH_BRIDGE_NODE_ARGS says otherwise (e.g. `--max-semi-space-size=2`, or empty for none).
 */
export function bridgeNodeArgs(
  env: NodeJS.ProcessEnv = process.env,
  image: () => string[] = imageNodeArgs,
): string[] {
  const value = env.BENCH_BRIDGE_NODE_ARGS;
  if (value === undefined) return image();
  return value.split(/\s+/).filter(Boolean);
}

/** The project's Node (24) running TypeScript through tsx, like `npm start` does. */
function nodeTsArgs(script: string, extra: readonly string[] = []): string[] {
  return [...extra, '--import', 'tsx', join(projectRoot, script)];
}

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  return env;
}

/** Starts the system under test as a child process (its pid is what CPU and RSS are read from). */
export function startConsumer(system: SystemSpec, ctx: ConsumerContext): ManagedProcess {
  const channel = ctx.channels[0];
  if (!channel) throw new Error('no channel to consume');
  switch (system.kind) {
    case 'nsqjs':
      return startProcess({
        name: 'nsqjs-reader',
        command: process.execPath,
        args: nodeTsArgs('bench/consumers/nsqjs-reader.ts'),
        cwd: projectRoot,
        env: childEnv({
          BENCH_NSQD: ctx.nsqdTcpAddress,
          BENCH_TOPIC: ctx.topic,
          BENCH_CHANNEL: channel,
          BENCH_MAX_IN_FLIGHT: String(system.maxInFlight),
          BENCH_OUTPUT_BUFFER_TIMEOUT_MS:
            system.outputBufferTimeoutMs === undefined ? '' : String(system.outputBufferTimeoutMs),
        }),
      });
    case 'forwarder':
      if (!ctx.endpoint) throw new Error('the forwarder needs an HTTP endpoint');
      return startProcess({
        name: 'forwarder',
        command: process.execPath,
        args: nodeTsArgs('bench/consumers/forwarder.ts'),
        cwd: projectRoot,
        env: childEnv({
          BENCH_NSQD: ctx.nsqdTcpAddress,
          BENCH_TOPIC: ctx.topic,
          BENCH_CHANNEL: channel,
          BENCH_ENDPOINT: ctx.endpoint,
          BENCH_BATCH: String(system.batch),
          BENCH_CONCURRENCY: String(system.concurrency),
          BENCH_MAX_IN_FLIGHT: String(system.maxInFlight),
          BENCH_FORWARD_AS: system.forwardAs,
        }),
      });
    case 'nsq_to_http': {
      if (!ctx.endpoint) throw new Error('nsq_to_http needs an HTTP endpoint');
      return startProcess({
        name: 'nsq_to_http',
        command: goBinary('nsq_to_http'),
        args: [
          `--topic=${ctx.topic}`,
          `--channel=${channel}`,
          `--nsqd-tcp-address=${ctx.nsqdTcpAddress}`,
          `--post=${ctx.endpoint}/`,
          `-n=${system.handlers}`,
          `--max-in-flight=${system.maxInFlight}`,
          '--status-every=0',
        ],
      });
    }
    case 'bridge': {
      if (!ctx.endpoint) throw new Error('the bridge needs a Lambda endpoint');
      const config = bridgeBenchConfig({
        nsqdTcpAddress: ctx.nsqdTcpAddress,
        nsqdHttpAddress: ctx.nsqdHttpAddress,
        lambdaEndpoint: ctx.endpoint,
        topic: ctx.topic,
        channels: ctx.channels,
        functionName: system.functionName,
        batching: system.batching,
        deadLetterTopic: ctx.deadLetterTopic,
        ...(system.target === 'workerd' && {
          httpTarget: { url: ctx.endpoint, signingSecretEnv: EDGE_SIGNING_SECRET_ENV },
        }),
        ...(ctx.bridgeHttpPort !== undefined && { httpPort: ctx.bridgeHttpPort }),
      });
      const profile = [...(ctx.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.cpuProfileDir}`] : [])];
      return startProcess({
        name: 'bridge',
        command: process.execPath,
        // Like the image: its NODE_OPTIONS and CMD flags, `node bridge.mjs`.
        args: ctx.bridgeBundle
          ? [...bridgeNodeArgs(), ...profile, ctx.bridgeBundle]
          : nodeTsArgs('bridge/src/main.ts', profile),
        cwd: projectRoot,
        env: childEnv({
          // The image's ENV (e.g. MALLOC_ARENA_MAX) when running its bundle.
          ...(ctx.bridgeBundle ? imageEnv() : {}),
          NSQ_LAMBDA_CONFIG: JSON.stringify(config),
          // The HTTP invoker signs every request, as in production (the edge responder does not check it).
          [EDGE_SIGNING_SECRET_ENV]: randomBytes(24).toString('base64url'),
          AWS_ACCESS_KEY_ID: 'bench',
          AWS_SECRET_ACCESS_KEY: 'bench',
          AWS_REGION: 'us-east-1',
          // Logs at warn: a benchmark should not measure log formatting of every batch.
          LOG_LEVEL: 'warn',
          POWERTOOLS_LOG_LEVEL: 'WARN',
          NSQ_LAMBDA_EMF: 'off',
          NODE_ENV: 'production',
        }),
        maxOutputBytes: 256 * 1024,
      });
    }
  }
}

/**
 * The output_buffer_timeout (ms) the bridge asks nsqd for in IDENTIFY, read from its source (nsqd does
 * not report it in /stats): a literal `outputBufferTimeout: <n>` in bridge/src/nsq, or the default of an
 * `outputBufferTimeoutMs` setting in shared/config. Undefined means nsqd's default (250 ms).
 */
export function bridgeOutputBufferTimeoutMs(sources: {
  readonly nsqSource: string;
  readonly config: string;
}): number | undefined {
  const literal = /outputBufferTimeout:\s*(\d[\d_]*)\b/.exec(sources.nsqSource)?.[1];
  if (literal) return Number(literal.replaceAll('_', ''));
  if (!/outputBufferTimeout\s*:/.test(sources.nsqSource)) return undefined;
  const setting = /outputBufferTimeoutMs:[^\n]*?\.default\((\d[\d_]*)\)/.exec(sources.config)?.[1];
  return setting ? Number(setting.replaceAll('_', '')) : undefined;
}
