/**
 * The bridge's process figures as the soak reads them from its /metrics (Prometheus text): heap used and
 * the event-loop delay p99 (bridge/src/observability/process-metrics.ts). Every scrape closes the
 * bridge's delay window, so a soak that scrapes once per sample gets the p99 of the interval since the
 * previous sample. RSS and descriptors are read from /proc (proc.ts). Pure.
 */

export const HEAP_USED_GAUGE = 'nsq_lambda_process_heap_used_bytes';
export const HEAP_AFTER_FULL_GC_GAUGE = 'nsq_lambda_process_heap_after_full_gc_bytes';
export const EVENT_LOOP_DELAY_P99_GAUGE = 'nsq_lambda_event_loop_delay_p99_seconds';

export interface ProcessFigures {
  readonly heapUsedBytes: number | undefined;
  /** The heap right after the bridge's last full GC (the live heap); undefined before the first. */
  readonly heapAfterFullGcBytes: number | undefined;
  /** How late the bridge's 10 ms event-loop timer ran, p99 over the window since the previous scrape. */
  readonly eventLoopDelayP99Ms: number | undefined;
}

/** The value of an unlabelled sample `name <value>`; undefined when absent or not a finite number. */
export function unlabelledValue(metricsText: string, name: string): number | undefined {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(metricsText);
  const value = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  return Number.isFinite(value) ? value : undefined;
}

export function processFigures(metricsText: string): ProcessFigures {
  const p99Sec = unlabelledValue(metricsText, EVENT_LOOP_DELAY_P99_GAUGE);
  return {
    heapUsedBytes: unlabelledValue(metricsText, HEAP_USED_GAUGE),
    heapAfterFullGcBytes: unlabelledValue(metricsText, HEAP_AFTER_FULL_GC_GAUGE),
    eventLoopDelayP99Ms: p99Sec === undefined ? undefined : p99Sec * 1_000,
  };
}
