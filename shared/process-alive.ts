/**
 * Whether a process with this pid exists (signal 0 checks without sending anything). EPERM means it
 * exists but belongs to someone else: alive. Pids are reused, so a caller that must know it is the same
 * process compares more (dev/services/run-records.ts compares the start time too).
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
