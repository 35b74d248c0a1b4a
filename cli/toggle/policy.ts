/**
 * What a stopped toggle does, per subscription of a function (its definition's toggle settings).
 */
import type { FunctionDefinition } from '#shared/functions/definition';

export interface PolicyInForce {
  readonly topic: string;
  readonly channel: string;
  readonly policy: 'requeue' | 'drop';
  readonly requeueDelayMs: number;
  readonly deadLetterDropped: boolean;
  readonly failMode: 'open' | 'closed';
}

export function policiesOf(definition: FunctionDefinition): PolicyInForce[] {
  return definition.subscriptions.map((s) => ({
    topic: s.topic,
    channel: s.channel,
    policy: s.toggle.policy,
    requeueDelayMs: s.toggle.requeueDelayMs,
    deadLetterDropped: s.toggle.deadLetterDropped,
    failMode: s.toggle.failMode,
  }));
}

export function describePolicy(p: PolicyInForce): string {
  const what =
    p.policy === 'requeue'
      ? `requeue after ${p.requeueDelayMs / 1000}s`
      : `drop${p.deadLetterDropped ? ' to dead letters' : ''}`;
  return `${what}, fail-${p.failMode}`;
}

/** One short text for all subscriptions: the same policy once, or `topic/channel: ...` each. */
export function describePolicies(policies: readonly PolicyInForce[]): string {
  if (policies.length === 0) return 'no subscriptions';
  const texts = policies.map(describePolicy);
  if (texts.every((t) => t === texts[0])) return texts[0] as string;
  return policies.map((p, i) => `${p.topic}/${p.channel}: ${texts[i]}`).join('; ');
}
