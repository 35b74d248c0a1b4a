/**
 * The bridge container's runtime config (env NSQ_LAMBDA_CONFIG, JSON), built from the same function
 * definitions the local stack reads. Kept in this one small function so it can switch to the bridge's
 * own `bridgeConfigFromDefinitions` (shared/config/bridge-config.ts) without touching the construct.
 *
 * TODO(helper A): when shared/config/bridge-config.ts exports bridgeConfigFromDefinitions, build the
 * object with it and validate the result with the bridge's schema in test/unit/infra.
 */

import type { SubscriptionSettings } from '#shared/config/subscription';
import type { FunctionDefinition } from '#shared/functions/definition';

/** One function the bridge feeds, with the name or ARN it invokes (a CloudFormation token in a stack). */
export interface BridgeTarget {
  readonly definition: FunctionDefinition;
  readonly functionName: string;
}

export interface BridgeRuntimeConfigInput {
  readonly targets: readonly BridgeTarget[];
  readonly nsqdTcpAddresses: readonly string[];
  readonly lookupdHttpAddresses: readonly string[];
  /** The Lambda API region (the stack's region token in AWS). */
  readonly region: string;
  readonly deadLetterBucket: string;
  readonly deadLetterPrefix: string;
  readonly httpPort: number;
  readonly drainDeadlineMs: number;
  /** Whether the Upstash toggle store is configured (URL and token come from ECS secrets). */
  readonly togglesEnabled: boolean;
}

/** The subscription's stable name: `<function>/<topic>/<channel>`; also the metric dimension `Subscription`. */
export function subscriptionName(definition: FunctionDefinition, subscription: SubscriptionSettings): string {
  return `${definition.name}/${subscription.topic}/${subscription.channel}`;
}

export function bridgeRuntimeConfig(input: BridgeRuntimeConfigInput): Record<string, unknown> {
  return {
    ...(input.nsqdTcpAddresses.length > 0 && { nsqdTcpAddresses: [...input.nsqdTcpAddresses] }),
    ...(input.lookupdHttpAddresses.length > 0 && { lookupdHttpAddresses: [...input.lookupdHttpAddresses] }),
    lambda: { region: input.region },
    deadLetter: { kind: 's3', bucket: input.deadLetterBucket, prefix: input.deadLetterPrefix },
    ...(input.togglesEnabled && { toggles: { kind: 'upstash' } }),
    // 0.0.0.0 inside the task: the ECS health check and nothing else reaches it (no inbound rules).
    http: { host: '0.0.0.0', port: input.httpPort },
    drain: { deadlineMs: input.drainDeadlineMs },
    subscriptions: input.targets.flatMap((t) =>
      t.definition.subscriptions.map((s) => ({
        ...s,
        name: subscriptionName(t.definition, s),
        functionName: t.functionName,
      })),
    ),
  };
}
