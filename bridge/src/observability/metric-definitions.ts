/**
 * The bridge's metrics: every name, help text, label set, bucket set and CloudWatch (EMF) name, in one
 * place. Every metric is labelled by `subscription` (attachMetrics in metrics.ts feeds them).
 */
import type { MetricsRegistry } from './metrics-registry.ts';

/** Invocation duration buckets, seconds: 5 ms … 15 min (Lambda's maximum). */
export const DURATION_BUCKETS_SEC = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900,
] as const;
/** Batch size buckets, messages (up to maxMessages 10,000). */
export const BATCH_SIZE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000] as const;
/** Batch payload buckets, bytes (the Invoke request limit is 6 MiB). */
export const BATCH_BYTES_BUCKETS = [
  1_024, 4_096, 16_384, 65_536, 262_144, 1_048_576, 2_097_152, 4_194_304, 6_291_456,
] as const;

const P = 'nsq_lambda_';

/** Creates the bridge's metrics in `registry`. Exported for tests and for the backlog monitor's docs. */
export function createBridgeMetrics(registry: MetricsRegistry) {
  const sub = ['subscription'] as const;
  return {
    received: registry.counter({
      name: `${P}messages_received_total`,
      help: 'Messages delivered by nsqd.',
      labelNames: sub,
      emf: { name: 'MessagesReceived', unit: 'Count' },
    }),
    receivedBytes: registry.counter({
      name: `${P}messages_received_bytes_total`,
      help: 'Bytes of message bodies delivered by nsqd.',
      labelNames: sub,
    }),
    batchSize: registry.histogram({
      name: `${P}batch_size_messages`,
      help: 'Messages per batch sent to the function.',
      labelNames: sub,
      buckets: BATCH_SIZE_BUCKETS,
      emf: { name: 'BatchSize', unit: 'Count' },
    }),
    batchBytes: registry.histogram({
      name: `${P}batch_size_bytes`,
      help: 'Body bytes per batch sent to the function.',
      labelNames: sub,
      buckets: BATCH_BYTES_BUCKETS,
    }),
    invocations: registry.counter({
      name: `${P}invocations_total`,
      help: 'Lambda Invokes by outcome (ok, functionError, throttled, tooLarge, notExecuted, ambiguous).',
      labelNames: ['subscription', 'outcome'] as const,
      emf: { name: 'Invocations', unit: 'Count' },
    }),
    invocationDuration: registry.histogram({
      name: `${P}invocation_duration_seconds`,
      help: 'Duration of Lambda Invokes, by outcome.',
      labelNames: ['subscription', 'outcome'] as const,
      buckets: DURATION_BUCKETS_SEC,
      emf: { name: 'InvocationDuration', unit: 'Seconds' },
    }),
    functionErrors: registry.counter({
      name: `${P}function_errors_total`,
      help: 'Invokes that returned X-Amz-Function-Error, by errorType (Sandbox.Timedout, Runtime.ExitError, ...).',
      labelNames: ['subscription', 'error_type'] as const,
      emf: { name: 'FunctionErrors', unit: 'Count' },
    }),
    authRejections: registry.counter({
      name: `${P}endpoint_auth_rejections_total`,
      help: 'Requests an HTTP target refused with 401/403 (signature or token): the handler did not run.',
      labelNames: ['subscription', 'status'] as const,
      emf: { name: 'EndpointAuthRejections', unit: 'Count' },
    }),
    malformed: registry.counter({
      name: `${P}malformed_responses_total`,
      help: 'Function responses that broke the batch result contract (the whole batch failed).',
      labelNames: sub,
      emf: { name: 'MalformedResponses', unit: 'Count' },
    }),
    throttles: registry.counter({
      name: `${P}throttles_total`,
      help: 'Invokes throttled by Lambda (429), by Reason.',
      labelNames: ['subscription', 'reason'] as const,
      emf: { name: 'Throttles', unit: 'Count' },
    }),
    concurrencyLimit: registry.gauge({
      name: `${P}concurrency_limit`,
      help: 'Current AIMD limit of concurrent invocations.',
      labelNames: sub,
      emf: { name: 'ConcurrencyLimit', unit: 'Count' },
    }),
    concurrencyMax: registry.gauge({
      name: `${P}concurrency_max`,
      help: 'Configured maximum of concurrent invocations (maxConcurrentInvocations).',
      labelNames: sub,
    }),
    finished: registry.counter({
      name: `${P}messages_finished_total`,
      help: 'Messages FINished after success.',
      labelNames: sub,
      emf: { name: 'MessagesFinished', unit: 'Count' },
    }),
    latency: registry.histogram({
      name: `${P}message_latency_seconds`,
      help: 'Time from receipt to FIN of finished messages.',
      labelNames: sub,
      buckets: DURATION_BUCKETS_SEC,
      emf: { name: 'MessageLatency', unit: 'Seconds' },
    }),
    requeued: registry.counter({
      name: `${P}messages_requeued_total`,
      help: 'Messages REQueued, by reason.',
      labelNames: ['subscription', 'reason'] as const,
      emf: { name: 'MessagesRequeued', unit: 'Count' },
    }),
    deadLettered: registry.counter({
      name: `${P}messages_dead_lettered_total`,
      help: 'Messages written to the dead-letter store (then FINished), by reason.',
      labelNames: ['subscription', 'reason'] as const,
      emf: { name: 'MessagesDeadLettered', unit: 'Count' },
    }),
    filteredOut: registry.counter({
      name: `${P}messages_filtered_out_total`,
      help: "Messages that matched none of the subscription's filters (never invoked), by action (finish, deadLetter).",
      labelNames: ['subscription', 'action'] as const,
      emf: { name: 'FilteredOut', unit: 'Count' },
    }),
    expired: registry.counter({
      name: `${P}messages_expired_total`,
      help: 'Messages older than maxRecordAgeMs when received or retried (never invoked), by action (deadLetter, drop).',
      labelNames: ['subscription', 'action'] as const,
      emf: { name: 'Expired', unit: 'Count' },
    }),
    deadLetterFailures: registry.counter({
      name: `${P}dead_letter_failures_total`,
      help: 'Messages whose dead-letter write failed (they were REQueued instead).',
      labelNames: sub,
      emf: { name: 'DeadLetterFailures', unit: 'Count' },
    }),
    claimChecksStored: registry.counter({
      name: `${P}claim_checks_stored_total`,
      help: 'Bodies stored as claim checks (docs/contract.md); their entries carried a pointer.',
      labelNames: sub,
    }),
    claimCheckFailures: registry.counter({
      name: `${P}claim_check_failures_total`,
      help: 'Bodies the claim-check store could not store (the messages were REQueued, no attempt spent).',
      labelNames: sub,
    }),
    inFlight: registry.gauge({
      name: `${P}messages_in_flight`,
      help: 'Messages received and not yet answered (FIN or REQ).',
      labelNames: sub,
      emf: { name: 'MessagesInFlight', unit: 'Count' },
    }),
    touches: registry.counter({
      name: `${P}touches_total`,
      help: 'TOUCH commands sent to extend a message while its batch runs.',
      labelNames: sub,
    }),
    nearMaxTimeout: registry.counter({
      name: `${P}messages_near_max_msg_timeout_total`,
      help: "Messages close to nsqd's --max-msg-timeout (TOUCH cannot extend them further).",
      labelNames: sub,
      emf: { name: 'MessagesNearMaxTimeout', unit: 'Count' },
    }),
    answerFailures: registry.counter({
      name: `${P}answer_failures_total`,
      help: 'E_FIN_FAILED / E_REQ_FAILED / E_TOUCH_FAILED from nsqd (late answers: duplicate delivery risk).',
      labelNames: ['subscription', 'code'] as const,
      emf: { name: 'AnswerFailures', unit: 'Count' },
    }),
    nsqdConnections: registry.gauge({
      name: `${P}nsqd_connections`,
      help: 'Open nsqd connections.',
      labelNames: sub,
    }),
    paused: registry.gauge({
      name: `${P}paused`,
      help: '1 while consumption is paused (toggle or drain).',
      labelNames: sub,
    }),
    idleQuiet: registry.gauge({
      name: `${P}idle_quiet_seconds`,
      help: 'With idleExit: how long the bridge has been idle (nothing held, nothing to read); it exits at idleExit.afterMs.',
      labelNames: [],
    }),
    draining: registry.gauge({
      name: `${P}draining`,
      help: '1 once the bridge started draining.',
      labelNames: [],
    }),
    errors: registry.counter({
      name: `${P}errors_total`,
      help: 'Errors reported by the bridge.',
      labelNames: sub,
      emf: { name: 'Errors', unit: 'Count' },
    }),
  };
}

export type BridgeMetrics = ReturnType<typeof createBridgeMetrics>;

/**
 * The bridge process's own figures (process-metrics.ts feeds them at each scrape). No labels, and no
 * EMF: see docs/observability.md, "Process figures".
 */
export function createProcessMetrics(registry: MetricsRegistry) {
  return {
    residentMemory: registry.gauge({
      name: `${P}process_resident_memory_bytes`,
      help: 'Resident set size of the bridge process (process.memoryUsage().rss), read at the scrape.',
      labelNames: [],
    }),
    heapUsed: registry.gauge({
      name: `${P}process_heap_used_bytes`,
      help: 'V8 heap used by the bridge process (process.memoryUsage().heapUsed), read at the scrape.',
      labelNames: [],
    }),
    heapAfterFullGc: registry.gauge({
      name: `${P}process_heap_after_full_gc_bytes`,
      help: 'V8 heap used right after the last full (mark-compact) GC: the live heap, without the garbage that heap used rises and falls with between collections. Absent until the first.',
      labelNames: [],
    }),
    eventLoopDelayP99: registry.gauge({
      name: `${P}event_loop_delay_p99_seconds`,
      help: 'p99 of how late the event loop ran a 10 ms timer, over the window since the previous scrape.',
      labelNames: [],
    }),
    eventLoopDelayMax: registry.gauge({
      name: `${P}event_loop_delay_max_seconds`,
      help: 'Most the event loop ran a 10 ms timer late, over the window since the previous scrape.',
      labelNames: [],
    }),
    eventLoopWindow: registry.gauge({
      name: `${P}event_loop_delay_window_seconds`,
      help: 'Length of the window the event-loop delay figures cover (since the previous scrape, or the start).',
      labelNames: [],
    }),
  };
}
