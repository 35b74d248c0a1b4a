/**
 * The one way the handler kit (nsqHandler) and every middleware validate their options: a strict zod
 * schema each, checked when the handler or middleware is created (at init, never per invocation). An
 * unknown key (a typo), a wrong type or a value out of range throws an OptionsError that lists every
 * problem, named after its owner.
 */
import { z } from 'zod';
import { OptionsError } from '#shared/errors';
import { formatZodIssues } from '#shared/zod-issues';

/** A function-valued option (key, now, a lazy client getter). */
export function fn<T>() {
  return z.custom<T>((v) => typeof v === 'function', 'expected a function');
}

/** An object-valued option (a client, a logger); `what` names what is expected. */
export function instance<T>(what: string, test: (v: object) => boolean = () => true) {
  return z.custom<T>((v) => typeof v === 'object' && v !== null && test(v), `expected ${what}`);
}

/** Integer milliseconds or seconds, at least `min`. */
export const int = (min: number) => z.number().int().min(min);

export const failModeSchema = z.enum(['open', 'closed']);

/**
 * Validates `options` against `schema` (strict) and the cross-field `rules` (each returns its
 * problems), returning the parsed value (defaults applied). Throws an OptionsError with every problem.
 */
export function parseOptions<S extends z.ZodType>(
  owner: string,
  schema: S,
  options: unknown,
  rules?: (options: Record<string, unknown>) => string[],
): z.output<S> {
  if (typeof options !== 'object' || options === null) {
    throw new OptionsError(owner, [
      `(root): expected an options object, got ${options === null ? 'null' : typeof options}`,
    ]);
  }
  const parsed = schema.safeParse(options);
  const problems = [
    ...(parsed.success ? [] : formatZodIssues(parsed.error.issues)),
    ...(rules?.(options as Record<string, unknown>) ?? []),
  ];
  if (problems.length > 0 || !parsed.success) throw new OptionsError(owner, problems);
  return parsed.data;
}
