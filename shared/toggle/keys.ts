/**
 * The Redis keys of the remote on/off switch ("disable yourself"), shared by the handler middleware,
 * the bridge and the CLI.
 *
 * - `nsq-lambda:toggle:<function>` holds `stopped` or `started`; absent means started.
 * - `nsq-lambda:toggle:<function>:meta` holds JSON `{ setBy, setAtMs, note? }` written by the CLI.
 */
export const TOGGLE_KEY_PREFIX = 'nsq-lambda:toggle:';

export type ToggleState = 'started' | 'stopped';

export interface ToggleMeta {
  readonly setBy: string;
  readonly setAtMs: number;
  readonly note?: string;
}

export function toggleKey(functionName: string): string {
  return `${TOGGLE_KEY_PREFIX}${functionName}`;
}

export function toggleMetaKey(functionName: string): string {
  return `${TOGGLE_KEY_PREFIX}${functionName}:meta`;
}

/** Interprets a stored value: only the exact string `stopped` stops (case-insensitive, trimmed). */
export function parseToggleState(value: unknown): ToggleState {
  return typeof value === 'string' && value.trim().toLowerCase() === 'stopped' ? 'stopped' : 'started';
}
