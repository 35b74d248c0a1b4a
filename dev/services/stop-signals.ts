/**
 * The signals that stop `npm start` and `npm run bench`: SIGINT (Ctrl-C), SIGTERM (supervisors, IDE stop
 * buttons, `timeout`), SIGHUP (a closed terminal), and the death of the parent process (npm ends on a
 * SIGHUP without forwarding it; dev/node.mjs may be killed), which counts as a SIGHUP.
 */
export const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface StopHandlers {
  /** The first signal: stop cleanly (drain), then exit. */
  readonly stop: (signal: NodeJS.Signals) => void;
  /** A later one: exit at once. */
  readonly stopNow: (signal: NodeJS.Signals) => void;
}

/**
 * Calls `stop` on the first stop signal and `stopNow` on a later one. One Ctrl-C can arrive more than
 * once: from the terminal (the whole process group) and again through the wrappers that forward signals
 * (npm, dev/node.mjs). Repeats within a second are one. Returns `trigger` for stops from inside.
 */
export function onStopSignals(handlers: StopHandlers): { trigger: (signal: NodeJS.Signals) => void } {
  let count = 0;
  let firstAt = 0;
  const trigger = (signal: NodeJS.Signals) => {
    if (count > 0 && Date.now() - firstAt < 1_000) return;
    count++;
    if (count === 1) {
      firstAt = Date.now();
      handlers.stop(signal);
    } else handlers.stopNow(signal);
  };
  for (const signal of stopSignals) process.on(signal, trigger);
  watchParent(() => trigger('SIGHUP'));
  // A closed terminal must not turn the drain into a crash on the next write.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  return { trigger };
}

/**
 * Calls `onGone` once when this process's parent exits (it is re-parented): a wrapper killed with
 * SIGKILL, or npm ended by a SIGHUP it does not forward. Polls process.ppid, which Node reads live.
 */
export function watchParent(onGone: () => void, intervalMs = 200): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
}
