import { describe, expect, it } from 'vitest';
import { describePolicies, policiesOf } from '#cli/toggle/policy';
import { defineFunction } from '#shared/functions/definition';

describe('toggle policy', () => {
  it('describes one shared policy once, and different ones per subscription', () => {
    const same = defineFunction({
      name: 'a',
      subscriptions: [
        { topic: 't1', channel: 'c' },
        { topic: 't2', channel: 'c' },
      ],
    });
    expect(describePolicies(policiesOf(same))).toBe('requeue after 30s, fail-open');
    const mixed = defineFunction({
      name: 'b',
      subscriptions: [
        {
          topic: 't1',
          channel: 'c',
          toggle: { policy: 'drop', deadLetterDropped: true, failMode: 'closed' },
        },
        { topic: 't2', channel: 'c', toggle: { requeueDelayMs: 5_000 } },
      ],
    });
    expect(describePolicies(policiesOf(mixed))).toBe(
      't1/c: drop to dead letters, fail-closed; t2/c: requeue after 5s, fail-open',
    );
    expect(describePolicies(policiesOf(defineFunction({ name: 'c' })))).toBe('no subscriptions');
  });
});
