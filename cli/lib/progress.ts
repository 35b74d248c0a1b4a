/**
 * A one-line progress bar on a terminal (redrawn in place), or nothing when the stream is not one.
 */
import type { OutStream } from './io.ts';

export interface ProgressBar {
  update(done: number, total: number, suffix?: string): void;
  finish(): void;
}

export function progressBar(stream: OutStream, label: string, now: () => number = Date.now): ProgressBar {
  if (!stream.isTTY) return { update() {}, finish() {} };
  const startMs = now();
  let lastDrawMs = 0;
  let drawn = false;
  return {
    update(done, total, suffix = '') {
      const t = now();
      if (done < total && t - lastDrawMs < 100) return;
      lastDrawMs = t;
      const width = 30;
      const ratio = total === 0 ? 1 : Math.min(1, done / total);
      const filled = Math.round(ratio * width);
      const elapsedS = (t - startMs) / 1000;
      const rate = elapsedS > 0 ? done / elapsedS : 0;
      const eta = rate > 0 && done < total ? ` eta ${Math.ceil((total - done) / rate)}s` : '';
      stream.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${Math.round(ratio * 100)}%${eta} ${suffix}\x1b[K`,
      );
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\n');
    },
  };
}
