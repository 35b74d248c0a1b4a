/**
 * The `status` table.
 */
import { renderTable } from '../lib/table.ts';
import type { StatusRow } from './rows.ts';

const n = (v: number | null) => (v === null ? '-' : String(v));
const r = (v: number | null) => (v === null ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1));

export function renderStatus(rows: readonly StatusRow[]): string {
  return renderTable(
    [
      { header: 'SUBSCRIPTION' },
      { header: 'TOPIC/CHANNEL', maxWidth: 50 },
      { header: 'DEPTH', align: 'right' },
      { header: 'IN-FLIGHT', align: 'right' },
      { header: 'DEFERRED', align: 'right' },
      { header: 'REQ/s', align: 'right' },
      { header: 'TIMEOUT/s', align: 'right' },
      { header: 'DONE/s', align: 'right' },
      { header: 'ERR/s', align: 'right' },
      { header: 'FILTERED', align: 'right' },
      { header: 'EXPIRED', align: 'right' },
      { header: 'CONC', align: 'right' },
      { header: 'TOGGLE' },
      { header: 'CLAIM-CHECKED', align: 'right' },
    ],
    rows.map((row) => [
      row.subscription,
      `${row.topic}/${row.channel}`,
      n(row.depth),
      n(row.inFlight),
      n(row.deferred),
      r(row.requeuePerSec),
      r(row.timeoutPerSec),
      r(row.finishedPerSec),
      r(row.errorsPerSec),
      n(row.filteredOutTotal),
      n(row.expiredTotal),
      row.concurrencyLimit === null
        ? '-'
        : `${row.concurrencyLimit}${row.concurrencyMax === null ? '' : `/${row.concurrencyMax}`}`,
      `${row.toggle ?? '-'}${row.paused ? ' (paused)' : ''}`,
      n(row.claimChecksTotal),
    ]),
  );
}
