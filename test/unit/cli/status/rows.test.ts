import { describe, expect, it } from 'vitest';
import { computeRows } from '#cli/status/rows';
import type { ChannelTotals, Snapshot } from '#cli/status/snapshot';

const sub = { name: 'orders', toggleName: 'orders', topic: 'orders', channel: 'lambda' };

function snap(
  atMs: number,
  c: Partial<ChannelTotals> | undefined,
  metrics: string[] = [],
  toggle?: 'stopped',
): Snapshot {
  const channels = new Map<string, ChannelTotals>();
  if (c) {
    channels.set('orders/lambda', {
      depth: 0,
      inFlight: 0,
      deferred: 0,
      requeueCount: 0,
      timeoutCount: 0,
      messageCount: 0,
      clients: 0,
      ...c,
    });
  }
  return {
    atMs,
    channels,
    nsqdErrors: [],
    metrics: metrics.map((line) => {
      const [name, value] = line.split(' ') as [string, string];
      return { name, labels: { subscription: 'orders' }, value: Number(value) };
    }),
    ...(toggle ? { toggles: new Map([['orders', { state: toggle, isSet: true }]]) } : {}),
  };
}

describe('computeRows', () => {
  it('takes current values from the latest reading and rates from the difference', () => {
    const prev = snap(0, { requeueCount: 10, timeoutCount: 1 }, ['nsq_lambda_messages_finished_total 100']);
    const cur = snap(
      2_000,
      { depth: 7, inFlight: 3, deferred: 2, requeueCount: 30, timeoutCount: 1, clients: 2 },
      [
        'nsq_lambda_messages_finished_total 300',
        'nsq_lambda_concurrency_limit 4',
        'nsq_lambda_paused 1',
        'nsq_lambda_claim_checks_stored_total 2',
      ],
      'stopped',
    );
    expect(computeRows([sub], cur, prev)).toEqual([
      expect.objectContaining({
        depth: 7,
        inFlight: 3,
        deferred: 2,
        consumers: 2,
        requeuePerSec: 10,
        timeoutPerSec: 0,
        finishedPerSec: 100,
        concurrencyLimit: 4,
        paused: true,
        toggle: 'stopped',
        claimChecksTotal: 2,
      }),
    ]);
  });

  it('gives no rate from one reading, for a counter that went down (a restart), or for a missing channel', () => {
    const one = computeRows([sub], snap(0, { requeueCount: 5 }))[0];
    expect(one?.requeuePerSec).toBeNull();
    expect(one?.requeuedTotal).toBe(5);
    const restarted = computeRows([sub], snap(1000, { requeueCount: 1 }), snap(0, { requeueCount: 50 }))[0];
    expect(restarted?.requeuePerSec).toBeNull();
    const missing = computeRows([sub], snap(1000, undefined), snap(0, undefined))[0];
    expect(missing).toMatchObject({
      depth: null,
      requeuePerSec: null,
      toggle: null,
      finishedPerSec: null,
      claimChecksTotal: null,
    });
  });

  it('sums the filtered-out and expired counts over their action labels; null when the bridge has none', () => {
    const cur = snap(0, {}, [
      'nsq_lambda_messages_filtered_out_total 7',
      'nsq_lambda_messages_filtered_out_total 3',
      'nsq_lambda_messages_expired_total 2',
    ]);
    expect(computeRows([sub], cur)[0]).toMatchObject({ filteredOutTotal: 10, expiredTotal: 2 });
    expect(computeRows([sub], snap(0, {}))[0]).toMatchObject({ filteredOutTotal: null, expiredTotal: null });
  });
});
