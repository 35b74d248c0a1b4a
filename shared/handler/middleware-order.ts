/**
 * The one order rule of the kit's middlewares, checked as each is attached (nsqHandler's `use`).
 *
 * middy runs `before` in attach order and `after`/`onError` in reverse. `observability` times the
 * batch and flushes its metrics and summary line in its `after`, so it must wrap every kit middleware
 * that decides or counts messages (toggle, rateLimit, dedupe): attached after one of them, it would
 * miss that middleware's time and the counts made in its `after` (e.g. `DedupeSettleFailed`). Among
 * toggle, rateLimit and dedupe the order does not change any outcome (each decides only messages still
 * undecided, and dedupe releases the claims of messages others requeued), so any order is accepted.
 * Middlewares that are not the kit's may go anywhere.
 */

export const OBSERVABILITY = 'nsq-observability';
/** The kit's middlewares that decide or count messages. */
export const DECIDING_MIDDLEWARES: readonly string[] = ['nsq-toggle', 'nsq-rate-limit', 'nsq-dedupe'];

/**
 * The problem with attaching `next` after `attached` (middleware names in attach order), or
 * undefined when the order is fine.
 */
export function middlewareOrderProblem(
  attached: readonly (string | undefined)[],
  next: string | undefined,
): string | undefined {
  const kit = [OBSERVABILITY, ...DECIDING_MIDDLEWARES];
  if (next !== undefined && kit.includes(next) && attached.includes(next)) {
    return `${next} is attached twice; attach each of the kit's middlewares once`;
  }
  if (next === OBSERVABILITY) {
    const before = attached.filter((n): n is string => n !== undefined && DECIDING_MIDDLEWARES.includes(n));
    if (before.length > 0) {
      return `${OBSERVABILITY} must be attached before ${before.join(', ')} (its after runs last, so it sees every decision and count): .use(observability(...)) first`;
    }
  }
  return undefined;
}
