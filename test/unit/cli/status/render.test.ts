import { describe, expect, it } from 'vitest';
import { renderStatus } from '#cli/status/render';
import type { StatusRow } from '#cli/status/rows';

const row: StatusRow = {
  subscription: 'orders',
  topic: 'orders',
  channel: 'lambda',
  depth: 1,
  inFlight: 0,
  deferred: 0,
  consumers: 1,
  requeuedTotal: 0,
  timedOutTotal: 0,
  requeuePerSec: null,
  timeoutPerSec: null,
  finishedPerSec: null,
  errorsPerSec: null,
  finishedTotal: 5,
  errorsTotal: 0,
  filteredOutTotal: 12,
  expiredTotal: 3,
  concurrencyLimit: 4,
  concurrencyMax: 4,
  paused: false,
  toggle: null,
  claimChecksTotal: 7,
};

describe('renderStatus', () => {
  it('shows the filtered-out, expired and claim-checked totals in their own columns', () => {
    const [header, line] = renderStatus([row]).split('\n');
    const cells = (s: string | undefined) => (s ?? '').trim().split(/\s+/);
    const h = cells(header);
    const v = cells(line);
    expect(v[h.indexOf('FILTERED')]).toBe('12');
    expect(v[h.indexOf('EXPIRED')]).toBe('3');
    expect(v[h.indexOf('CLAIM-CHECKED')]).toBe('7');
    expect(renderStatus([{ ...row, filteredOutTotal: null, expiredTotal: null }])).toMatch(/-\s+-\s+4\/4/);
  });
});
