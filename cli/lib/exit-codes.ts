/**
 * The CLI's exit codes, for scripts. Documented in docs/cli.md.
 */
export const ExitCode = {
  /** Done as asked. */
  ok: 0,
  /** The command ran but something it did failed (a message failed in `invoke`, a publish failed in `replay`). */
  failed: 1,
  /** Wrong usage: unknown option, missing argument (commander's own errors). */
  usage: 2,
  /** Bad input: unknown handler, malformed file, no such dead letter, invalid name. */
  badInput: 3,
  /** A service is unreachable or refused us: Redis/Upstash, nsqd, S3, the bridge, the local Lambda. */
  unavailable: 4,
  /** Refused without an operator decision: purge without --yes off a terminal, uncertain replay state. */
  needsDecision: 5,
  /** Interrupted by SIGINT/SIGTERM; progress so far is kept (a replay resumes on rerun). */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
