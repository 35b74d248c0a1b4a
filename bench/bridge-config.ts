/**
 * The bridge's NSQ_LAMBDA_CONFIG for one benchmark trial: one subscription per channel at the system's
 * batch settings, feeding the Invoke endpoint (responder or local Lambda) or an HTTP target (workerd).
 */
import type { BridgeConfigInput } from '#shared/config/bridge-config';

export interface BridgeBatching {
  readonly maxMessages: number;
  readonly maxWaitMs: number;
  readonly maxConcurrentInvocations: number;
  readonly maxInFlight: number;
}

export interface BridgeBenchConfigInput {
  readonly nsqdTcpAddress: string;
  readonly nsqdHttpAddress: string;
  readonly lambdaEndpoint: string;
  readonly topic: string;
  /** One subscription per channel (several channels put more messages in flight at once). */
  readonly channels: readonly string[];
  readonly functionName: string;
  readonly batching: BridgeBatching;
  readonly deadLetterTopic: string;
  /** The ops HTTP port (/metrics); 0 picks a free one. @default 0 */
  readonly httpPort?: number;
  /**
   * Feed an HTTP endpoint (the edge responder on workerd) through the HTTP invoker instead of Lambda:
   * its URL and the env var holding the signing secret.
   */
  readonly httpTarget?: { readonly url: string; readonly signingSecretEnv: string };
}

/** The bridge's NSQ_LAMBDA_CONFIG for one trial. */
export function bridgeBenchConfig(input: BridgeBenchConfigInput): BridgeConfigInput {
  return {
    nsqdTcpAddresses: [input.nsqdTcpAddress],
    lambda: { region: 'us-east-1', endpoint: input.lambdaEndpoint },
    deadLetter: { kind: 'nsq', topic: input.deadLetterTopic, nsqdHttpAddresses: [input.nsqdHttpAddress] },
    http: { host: '127.0.0.1', port: input.httpPort ?? 0 },
    drain: { deadlineMs: 15_000 },
    subscriptions: input.channels.map((channel, i) => ({
      name: input.channels.length === 1 ? 'bench' : `bench-${i + 1}`,
      topic: input.topic,
      channel,
      functionName: input.functionName,
      functionTimeoutMs: 30_000,
      maxMessages: input.batching.maxMessages,
      maxWaitMs: input.batching.maxWaitMs,
      maxConcurrentInvocations: input.batching.maxConcurrentInvocations,
      maxInFlight: input.batching.maxInFlight,
      maxAttempts: 5,
      requeue: { baseDelayMs: 100, maxDelayMs: 5_000, jitter: 'equal' },
      ...(input.httpTarget && {
        target: { type: 'http', url: input.httpTarget.url, signingSecret: input.httpTarget.signingSecretEnv },
      }),
    })),
  };
}
