/**
 * Warns when a worker's RSS keeps growing across invocations: the long-lived-global leak that a warm
 * Lambda execution environment hides until it runs out of memory in production.
 *
 * Rule: over the last `windowSize` samples, no step shrank by more than `toleranceBytes` (GC noise), the
 * total growth is at least `minGrowthBytes`, and the later half of the window still grew by a quarter of
 * that: a leak keeps growing, while a heap that grows to its working size on the first large events and
 * then stays flat is warm-up. After a warning the window restarts, so a steady leak warns again every
 * `windowSize` invocations rather than on every one.
 */
export interface LeakDetectorOptions {
  /** @default 10 */
  readonly windowSize?: number;
  /** @default 8 MiB */
  readonly minGrowthBytes?: number;
  /** @default 512 KiB */
  readonly toleranceBytes?: number;
}

export interface LeakWarning {
  readonly samples: readonly number[];
  readonly growthBytes: number;
}

export class LeakDetector {
  readonly windowSize: number;
  readonly minGrowthBytes: number;
  readonly toleranceBytes: number;
  #samples: number[] = [];

  constructor(options: LeakDetectorOptions = {}) {
    this.windowSize = options.windowSize ?? 10;
    this.minGrowthBytes = options.minGrowthBytes ?? 8 * 1024 * 1024;
    this.toleranceBytes = options.toleranceBytes ?? 512 * 1024;
    if (!Number.isInteger(this.windowSize) || this.windowSize < 2)
      throw new Error(`leak detector windowSize must be an integer ≥ 2, got ${this.windowSize}`);
  }

  /** Adds the RSS after one invocation; returns a warning when the window shows steady growth. */
  add(rssBytes: number): LeakWarning | undefined {
    this.#samples.push(rssBytes);
    if (this.#samples.length > this.windowSize) this.#samples.shift();
    if (this.#samples.length < this.windowSize) return undefined;
    const samples = this.#samples;
    for (let i = 1; i < samples.length; i++) {
      if ((samples[i] ?? 0) < (samples[i - 1] ?? 0) - this.toleranceBytes) return undefined;
    }
    const growthBytes = (samples.at(-1) ?? 0) - (samples[0] ?? 0);
    if (growthBytes < this.minGrowthBytes) return undefined;
    const laterHalfBytes = (samples.at(-1) ?? 0) - (samples[Math.floor((samples.length - 1) / 2)] ?? 0);
    if (laterHalfBytes < this.minGrowthBytes / 4) return undefined;
    this.#samples = [];
    return { samples, growthBytes };
  }
}
