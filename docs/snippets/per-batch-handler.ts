import { z } from 'zod';
import { type BatchOutcomes, nsqHandler, type Outcome, requeue } from '#shared/handler';

const reading = z.object({ sensorId: z.string(), value: z.number() }).strict();

export const handler = nsqHandler({
  body: reading,
  // One call with every message the middleware left undecided; ids you leave out are finished.
  handleBatch: async (messages, ctx) => {
    const rejected = await bulkInsert(
      messages.map((m) => ({ id: m.id, ...m.body })),
      ctx.signal,
    );
    const outcomes = new Map<string, Outcome>();
    for (const id of rejected) outcomes.set(id, requeue(5_000, 'rejected by the bulk insert'));
    return outcomes satisfies BatchOutcomes;
  },
});

/** Inserts rows; returns the ids of the rows that were not stored. */
async function bulkInsert(
  rows: readonly { id: string; sensorId: string; value: number }[],
  signal: AbortSignal,
): Promise<string[]> {
  const response = await fetch('https://timeseries.internal/bulk', {
    method: 'POST',
    body: JSON.stringify(rows),
    signal,
  });
  if (!response.ok) throw new Error(`bulk insert answered ${response.status}`); // requeues the whole batch
  return ((await response.json()) as { rejected: string[] }).rejected;
}
