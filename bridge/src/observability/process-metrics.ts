/**
 * The bridge process's own figures on /metrics, so that a soak, a dashboard or an operator needs no
 * probe inside the process:
 * - RSS and V8 heap used (`process.memoryUsage()`), read at each scrape, and the heap used right after the
 *   last full GC (a `gc` PerformanceObserver): heap used rises and falls with garbage between collections,
 *   so only the heap after a full GC shows a leak (the soak's heap drift is read off it);
 * - the event-loop delay from one `perf_hooks.monitorEventLoopDelay` histogram: a timer due every
 *   10 ms, each sample the time between two of its runs. Reported is how late it ran (the sample less
 *   the 10 ms), p99 and max.
 *
 * The delay window is per scrape: every Prometheus render (`registry.onScrape`, never an EMF flush)
 * reads the histogram and resets it, so the figures cover the time since the previous scrape, and
 * `nsq_lambda_event_loop_delay_window_seconds` says how long that was. One scraper sees every spike;
 * a second one (another Prometheus, `nsq-lambda status`) splits the windows between them. A scrape that
 * finds no sample yet (within 10 ms of the last) keeps the previous figures and lets the window run on.
 * A reset also forgets the timer's last run, so the first run after a scrape only starts the clock: a
 * stall that begins before it (at most 10 ms after the scrape, if the loop is free), or a scrape served
 * right after a stall before the timer has run again, leaves that stall in no window.
 */
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { createProcessMetrics } from './metric-definitions.ts';
import type { MetricsRegistry } from './metrics-registry.ts';

/** The histogram's timer interval (its resolution). */
export const EVENT_LOOP_RESOLUTION_MS = 10;

/** What is read of `perf_hooks`' IntervalHistogram (nanoseconds): a port, so tests can feed it. */
export interface DelayHistogram {
  readonly count: number;
  readonly max: number;
  percentile(percentile: number): number;
  reset(): void;
  disable(): boolean;
}

export interface ProcessMetricsSources {
  /** @default process.memoryUsage */
  readonly memory?: () => { readonly rss: number; readonly heapUsed: number };
  /** An enabled histogram. @default monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS }) */
  readonly histogram?: DelayHistogram;
  /** Monotonic milliseconds. @default performance.now */
  readonly nowMs?: () => number;
  /**
   * Calls `listener` with the heap used after each full GC; returns a function that stops it.
   * @default fullGcHeapWatcher (a `gc` PerformanceObserver)
   */
  readonly watchFullGc?: (listener: (heapUsedBytes: number) => void) => () => void;
}

/**
 * A `gc` PerformanceObserver that reports the heap used after each full (mark-compact) GC. Its entries
 * arrive after the collection, batched: the heap is read then (V8's used size, no /proc read).
 */
export function fullGcHeapWatcher(listener: (heapUsedBytes: number) => void): () => void {
  const observer = new PerformanceObserver((list) => {
    const full = list
      .getEntries()
      .some(
        (e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR,
      );
    if (full) listener(getHeapStatistics().used_heap_size);
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}

function enabledHistogram(): DelayHistogram {
  const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  histogram.enable();
  return histogram;
}

/** Seconds a sample (nanoseconds between two timer runs) ran late; a timer run early counts as 0. */
export function lateSeconds(sampleNs: number): number {
  return Math.max(0, sampleNs / 1e9 - EVENT_LOOP_RESOLUTION_MS / 1_000);
}

/** Registers the process gauges and their scrape collector. Returns a function that stops the histogram. */
export function attachProcessMetrics(
  registry: MetricsRegistry,
  sources: ProcessMetricsSources = {},
): () => void {
  const m = createProcessMetrics(registry);
  const memory = sources.memory ?? (() => process.memoryUsage());
  const nowMs = sources.nowMs ?? (() => performance.now());
  const histogram = sources.histogram ?? enabledHistogram();
  let windowStartMs = nowMs();
  let attached = true;
  const stopGcWatch = (sources.watchFullGc ?? fullGcHeapWatcher)((bytes) => m.heapAfterFullGc.set({}, bytes));
  registry.onScrape(() => {
    if (!attached) return;
    const { rss, heapUsed } = memory();
    m.residentMemory.set({}, rss);
    m.heapUsed.set({}, heapUsed);
    if (histogram.count === 0) return;
    const now = nowMs();
    m.eventLoopDelayP99.set({}, lateSeconds(histogram.percentile(99)));
    m.eventLoopDelayMax.set({}, lateSeconds(histogram.max));
    m.eventLoopWindow.set({}, (now - windowStartMs) / 1_000);
    windowStartMs = now;
    histogram.reset();
  });
  return () => {
    if (!attached) return;
    attached = false;
    histogram.disable();
    stopGcWatch();
  };
}
