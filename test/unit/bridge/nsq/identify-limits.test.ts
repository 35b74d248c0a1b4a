import { describe, expect, it } from 'vitest';
import { identifyProblem } from '#bridge/nsq/identify-limits';

describe('identifyProblem', () => {
  it.each([
    ['no response (feature negotiation off)', null, 4_000, undefined],
    ['no max_rdy_count in it', {}, 4_000, undefined],
    ['the window fits exactly', { max_rdy_count: 2_500 }, 2_500, undefined],
    ['nsqd raised to 10,000, window 10,000', { max_rdy_count: 10_000 }, 10_000, undefined],
    [
      'the window is above nsqd’s limit',
      { max_rdy_count: 2_500 },
      2_501,
      /maxInFlight 2501 .*max_rdy_count 2500/,
    ],
  ] as const)('%s', (_what, response, maxInFlight, problem) => {
    const found = identifyProblem(response, { name: 's', maxInFlight }, 'h:4150');
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  it('names the subscription, the nsqd and the flag to set', () => {
    expect(
      identifyProblem({ max_rdy_count: 2_500 }, { name: 'orders', maxInFlight: 4_000 }, '10.0.0.1:4150'),
    ).toBe(
      "subscriptions.orders: maxInFlight 4000 (maxMessages × maxConcurrentInvocations unless set) exceeds nsqd 10.0.0.1:4150's max_rdy_count 2500; start nsqd with --max-rdy-count=4000 or more, or lower maxMessages, maxConcurrentInvocations or maxInFlight",
    );
  });
});
