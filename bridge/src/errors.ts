/**
 * Every error the bridge throws on purpose, in one place (shared/errors.ts has the ones shared/
 * throws, such as ConfigError). Each takes `options.cause` and carries its context as readonly fields.
 */

/** One record a DeadLetterStore could not write, and why. */
export interface DeadLetterFailure {
  readonly id: string;
  readonly error: Error;
}

/**
 * The error every DeadLetterStore rejects with: which records were not written, and why. The engine
 * REQueues those messages (they are never FINished without a stored dead letter). The cause is the
 * one failure, or an AggregateError of all of them.
 */
export class DeadLetterWriteError extends Error {
  override readonly name = 'DeadLetterWriteError';
  /** NSQ message ids that were not written. */
  readonly ids: readonly string[];

  constructor(
    readonly destination: string,
    readonly failures: readonly DeadLetterFailure[],
  ) {
    const first = failures[0]?.error.message ?? 'unknown error';
    super(
      `dead-letter write to ${destination} failed for ${failures.length} record${failures.length === 1 ? '' : 's'}: ${first}`,
      {
        cause: failures.length === 1 ? failures[0]?.error : new AggregateError(failures.map((f) => f.error)),
      },
    );
    this.ids = failures.map((f) => f.id);
  }
}

/** The installed nsqjs lacks internals the bridge relies on (bridge/src/nsq/nsqjs-internals.ts). */
export class NsqjsInternalsError extends Error {
  override readonly name = 'NsqjsInternalsError';
  constructor(
    readonly nsqjsVersion: string,
    readonly missing: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      `nsqjs ${nsqjsVersion} lacks ${missing.length === 1 ? 'an internal' : `${missing.length} internals`} the bridge relies on (bridge/src/nsq/nsqjs-internals.ts; install the nsqjs version pinned in package.json): ${missing.join('; ')}`,
      options,
    );
  }
}
