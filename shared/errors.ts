/**
 * Every error shared/ throws on purpose, in one place. Each takes `options.cause` (the lower-level
 * error, when there is one) and carries its context as readonly fields, so a caller can branch on
 * `instanceof` and log the fields without parsing the message.
 */

/** `problems` as an indented list, one per line, after a heading that counts them. */
export function listProblems(heading: string, problems: readonly string[]): string {
  return `${heading}:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
}

/** `n problem(s)` for a heading. */
export function countProblems(problems: readonly string[]): string {
  return `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
}

/** nsqd's HTTP API refused or failed a request; `status` is undefined when no response came. */
export class NsqdHttpError extends Error {
  override readonly name = 'NsqdHttpError';
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The bridge config is invalid; `problems` lists every problem found, not just the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(listProblems(`invalid bridge config (${countProblems(problems)})`, problems), options);
  }
}

/** A subscription's filter patterns (shared/filter/) do not compile; `problems` lists each with its path. */
export class FilterPatternError extends Error {
  override readonly name = 'FilterPatternError';
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(listProblems(`invalid filter pattern (${countProblems(problems)})`, problems), options);
  }
}

/** The Lambda event is not an nsq-lambda batch event (shared/contract/batch-event.ts). */
export class InvalidBatchEventError extends Error {
  override readonly name = 'InvalidBatchEventError';
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(listProblems('not an nsq-lambda batch event', problems), options);
  }
}

/**
 * A middleware (or the handler kit) was given invalid options: thrown when it is created, at init,
 * listing every problem (an unknown key, a wrong type, a value out of range).
 */
export class OptionsError extends Error {
  override readonly name = 'OptionsError';
  constructor(
    /** Whose options: the middleware's name, e.g. `nsq-dedupe`. */
    readonly owner: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(listProblems(`invalid ${owner} options (${countProblems(problems)})`, problems), options);
  }
}

/** Middlewares attached in an order that would give wrong results (see shared/handler/nsq-handler.ts). */
export class MiddlewareOrderError extends Error {
  override readonly name = 'MiddlewareOrderError';
  constructor(
    /** The middleware names in the order they were attached. */
    readonly order: readonly string[],
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
