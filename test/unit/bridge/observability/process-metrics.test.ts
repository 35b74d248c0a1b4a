import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '#bridge/observability/metrics-registry';
import {
  attachProcessMetrics,
  type DelayHistogram,
  EVENT_LOOP_RESOLUTION_MS,
  fullGcHeapWatcher,
  lateSeconds,
} from '#bridge/observability/process-metrics';
import { waitFor } from '#dev/services/wait';

/** A histogram fed by hand: samples in nanoseconds between two timer runs. */
function fakeHistogram() {
  let samples: number[] = [];
  const h = {
    resets: 0,
    disabled: false,
    add: (...ns: number[]) => samples.push(...ns),
    get count() {
      return samples.length;
    },
    get max() {
      return Math.max(...samples);
    },
    percentile(p: number) {
      const sorted = [...samples].sort((a, b) => a - b);
      return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
    },
    reset() {
      samples = [];
      h.resets++;
    },
    disable() {
      h.disabled = true;
      return true;
    },
  };
  return h satisfies DelayHistogram;
}

const gauge = (text: string, name: string) => {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m?.[1] === undefined ? undefined : Number(m[1]);
};

describe('lateSeconds', () => {
  it.each([
    [10_000_000, 0],
    [9_100_000, 0],
    [10_500_000, 0.0005],
    [60_000_000, 0.05],
    [1_010_000_000, 1],
  ])('a sample of %d ns ran %d s late', (ns, late) => {
    expect(lateSeconds(ns)).toBeCloseTo(late, 9);
  });
});

describe('attachProcessMetrics', () => {
  const setup = () => {
    const registry = new MetricsRegistry();
    const histogram = fakeHistogram();
    let now = 1_000;
    let memory = { rss: 150e6, heapUsed: 40e6 };
    const stop = attachProcessMetrics(registry, { histogram, memory: () => memory, nowMs: () => now });
    return {
      registry,
      histogram,
      stop,
      advance: (ms: number) => {
        now += ms;
      },
      setMemory: (m: typeof memory) => {
        memory = m;
      },
    };
  };

  it('reports RSS, heap used and the delay over the window since the previous scrape, then resets it', () => {
    // Prepare
    const t = setup();
    t.histogram.add(...Array.from({ length: 99 }, () => 10_200_000), 35_000_000);
    t.advance(15_000);
    // Act
    const text = t.registry.renderPrometheus();
    // Assess
    expect(gauge(text, 'nsq_lambda_process_resident_memory_bytes')).toBe(150e6);
    expect(gauge(text, 'nsq_lambda_process_heap_used_bytes')).toBe(40e6);
    expect(gauge(text, 'nsq_lambda_event_loop_delay_p99_seconds')).toBeCloseTo(0.0002, 9);
    expect(gauge(text, 'nsq_lambda_event_loop_delay_max_seconds')).toBeCloseTo(0.025, 9);
    expect(gauge(text, 'nsq_lambda_event_loop_delay_window_seconds')).toBe(15);
    expect(t.histogram.resets).toBe(1);
  });

  it('leaves the window to scrapes: an EMF snapshot neither reads nor resets it', () => {
    const t = setup();
    t.histogram.add(50_000_000);
    t.registry.snapshot();
    expect(t.histogram.resets).toBe(0);
    expect(t.histogram.count).toBe(1);
  });

  it('keeps the delay figures and lets the window run on when a scrape finds no sample', () => {
    // Prepare: a first window with a 40 ms late run.
    const t = setup();
    t.histogram.add(50_000_000);
    t.advance(5_000);
    t.registry.renderPrometheus();
    // Act: a scrape with no sample, then one with.
    t.advance(5);
    t.setMemory({ rss: 160e6, heapUsed: 41e6 });
    const empty = t.registry.renderPrometheus();
    t.histogram.add(11_000_000);
    t.advance(995);
    const next = t.registry.renderPrometheus();
    // Assess
    expect(gauge(empty, 'nsq_lambda_process_resident_memory_bytes')).toBe(160e6);
    expect(gauge(empty, 'nsq_lambda_event_loop_delay_max_seconds')).toBeCloseTo(0.04, 9);
    expect(gauge(empty, 'nsq_lambda_event_loop_delay_window_seconds')).toBe(5);
    expect(gauge(next, 'nsq_lambda_event_loop_delay_max_seconds')).toBeCloseTo(0.001, 9);
    expect(gauge(next, 'nsq_lambda_event_loop_delay_window_seconds')).toBe(1);
  });

  it('stops the histogram once, and scrapes after that change nothing', () => {
    const t = setup();
    t.stop();
    t.stop();
    expect(t.histogram.disabled).toBe(true);
    t.histogram.add(50_000_000);
    expect(t.registry.renderPrometheus()).not.toMatch(/^nsq_lambda_process_heap_used_bytes /m);
    expect(t.histogram.resets).toBe(0);
  });

  it('sees a blocked event loop with the real histogram', async () => {
    // Prepare: perf_hooks' own histogram; its timer has run (a reset also forgets the last run, so
    // nothing scrapes before the block).
    const registry = new MetricsRegistry();
    const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    histogram.enable();
    const stop = attachProcessMetrics(registry, { histogram });
    try {
      await waitFor(() => histogram.count >= 2, { what: 'the histogram timer running' });
      // Act: hold the loop for 60 ms; the late timer run lands in one scrape's window.
      const until = performance.now() + 60;
      while (performance.now() < until) {
        // busy
      }
      await waitFor(() => histogram.max >= 40e6, { what: 'the late timer run recorded' });
      const text = registry.renderPrometheus();
      // Assess
      const maxSec = gauge(text, 'nsq_lambda_event_loop_delay_max_seconds');
      expect(maxSec).toBeGreaterThanOrEqual(0.04);
      expect(maxSec).toBeLessThan(5);
      expect(histogram.count).toBe(0);
      expect(gauge(text, 'nsq_lambda_process_heap_used_bytes')).toBeGreaterThan(1e6);
      expect(gauge(text, 'nsq_lambda_process_resident_memory_bytes')).toBeGreaterThan(
        gauge(text, 'nsq_lambda_process_heap_used_bytes') ?? Number.POSITIVE_INFINITY,
      );
    } finally {
      stop();
    }
  });

  it('reports the heap after each full GC as its watcher gives it, and stops the watcher', () => {
    const registry = new MetricsRegistry();
    let listener: ((bytes: number) => void) | undefined;
    let stopped = 0;
    const stop = attachProcessMetrics(registry, {
      histogram: fakeHistogram(),
      watchFullGc: (l) => {
        listener = l;
        return () => stopped++;
      },
    });
    expect(gauge(registry.renderPrometheus(), 'nsq_lambda_process_heap_after_full_gc_bytes')).toBeUndefined();
    listener?.(31_000_000);
    listener?.(29_000_000);
    expect(gauge(registry.renderPrometheus(), 'nsq_lambda_process_heap_after_full_gc_bytes')).toBe(
      29_000_000,
    );
    stop();
    stop();
    expect(stopped).toBe(1);
  });

  it('sees a real full GC, and the heap it left', async () => {
    // Prepare: V8's gc() in a fresh context (this process was not started with --expose-gc).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const seen: number[] = [];
    const stop = fullGcHeapWatcher((bytes) => seen.push(bytes));
    try {
      // Act: garbage, then a full collection.
      let garbage: unknown[] | undefined = Array.from({ length: 50_000 }, (_, i) => ({ i, s: `x${i}` }));
      garbage = undefined;
      gc();
      // Assess: reported once the observer's batch arrives; a heap, not a count.
      await waitFor(() => seen.length > 0, { what: 'a full GC reported' });
      expect(garbage).toBeUndefined();
      expect(seen[0]).toBeGreaterThan(1e6);
      expect(seen[0]).toBeLessThan(4 * 2 ** 30);
    } finally {
      stop();
    }
  });
});
