/**
 * Toggle ("disable yourself"): when the function's switch reads `stopped`, apply the policy to every
 * undecided message: `requeue` (with `requeueDelayMs`) or `drop` (finish without work, counted, and
 * optionally dead-lettered). When the store cannot be read, `failMode` 'open' (the default) processes,
 * 'closed' applies the stopped policy. One cached read (≤ 1 s) per batch.
 *
 * With the requeue policy the bridge also reads the switch and pauses consumption (RDY 0), so a
 * stopped function normally gets no batches at all; this middleware covers the seconds before the
 * bridge notices, other producers of batches, and the drop policy (which the bridge does not pause).
 */
import { z } from 'zod';
import { type ToggleSettings, toggleSettingsSchema } from '#shared/config/subscription';
import { NsqBatch } from '#shared/handler/batch-state';
import type { NsqMiddleware } from '#shared/handler/nsq-handler';
import { instance, parseOptions } from '#shared/handler/options';
import { deadLetter, finish, requeue } from '#shared/handler/outcome';
import { decideToggle, type ToggleReaderLike, type ToggleReading } from '#shared/toggle/toggle-reader';

export interface ToggleOptions extends Partial<ToggleSettings> {
  readonly reader: ToggleReaderLike;
  /**
   * Whose switch to read: the function definition's name (what `nsq-lambda toggle` and the bridge
   * use). @default env NSQ_LAMBDA_FUNCTION (set by infra/), else the event's `subscription`
   */
  readonly functionName?: string;
}

export const TOGGLE_STOPPED_REASON = 'toggle stopped';

/** The framework-free core: decides the batch's undecided messages from one reading. */
export function applyToggle(
  batch: NsqBatch,
  reading: ToggleReading,
  settings: ToggleSettings,
): 'run' | 'stopped' {
  if (reading === 'unknown') batch.count('ToggleUnknown');
  const decision = decideToggle(reading, settings.failMode);
  if (decision === 'run') return decision;
  const pending = batch.pending();
  const outcome =
    settings.policy === 'requeue'
      ? requeue(settings.requeueDelayMs, TOGGLE_STOPPED_REASON)
      : settings.deadLetterDropped
        ? deadLetter(`dropped: ${TOGGLE_STOPPED_REASON}`, 'dropped')
        : finish();
  for (const m of pending) batch.decide(m.id, outcome, 'toggle');
  if (settings.policy === 'drop') batch.count('ToggleDropped', pending.length);
  return decision;
}

const toggleOptionsSchema = toggleSettingsSchema
  .extend({
    reader: instance<ToggleReaderLike>(
      'a toggle reader (an object with read(functionName))',
      (v) => typeof (v as { read?: unknown }).read === 'function',
    ),
    functionName: z.string().min(1).optional(),
  })
  .strict();

export function toggle(options: ToggleOptions): NsqMiddleware {
  const { reader, functionName, ...settings } = parseOptions('nsq-toggle', toggleOptionsSchema, options);
  return {
    name: 'nsq-toggle',
    before: async (request) => {
      const batch = NsqBatch.of(request.event);
      if (batch.pending().length === 0) return;
      const name = functionName ?? (process.env.NSQ_LAMBDA_FUNCTION || batch.event.subscription);
      const reading = await reader.read(name);
      applyToggle(batch, reading, settings);
    },
  };
}
