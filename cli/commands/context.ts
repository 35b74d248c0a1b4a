/**
 * What the commander actions share.
 */
import type { ExitCodeValue } from '../lib/exit-codes.ts';
import type { CliIo } from '../lib/io.ts';

/** Shared by the commander actions: the IO, and where an action leaves its exit code. */
export interface CommandContext {
  readonly io: CliIo;
  exitCode: ExitCodeValue;
}
