import { describe, expect, it } from 'vitest';
import { BridgeEventEmitter } from '#bridge/events';
import { attachMetrics } from '#bridge/observability/metrics';
import { MetricsRegistry } from '#bridge/observability/metrics-registry';

function value(
  registry: MetricsRegistry,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const metric = registry.snapshot().find((m) => m.name === name);
  const series = metric?.series.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return series?.count ?? series?.value;
}

describe('attachMetrics', () => {
  it('counts the message lifecycle; in flight is read from the engine at each collection', () => {
    // Prepare
    const events = new BridgeEventEmitter();
    const registry = new MetricsRegistry();
    let inFlight = 3;
    attachMetrics(events, registry, { subscriptions: () => [{ name: 'orders', inFlight }] });
    const subscription = 'orders';
    // Act
    for (const id of ['a', 'b', 'c', 'd'])
      events.emit('message_received', { subscription, id, attempts: 1, bytes: 10 });
    events.emit('batch_started', { subscription, batchId: 'b1', size: 4, bytes: 40 });
    events.emit('batch_invoked', {
      subscription,
      batchId: 'b1',
      size: 4,
      result: { kind: 'ok', payload: new Uint8Array(), durationMs: 120 },
    });
    events.emit('message_finished', { subscription, id: 'a', attempts: 1, latencyMs: 130 });
    events.emit('message_finished', { subscription, id: 'a', attempts: 1, latencyMs: 130 });
    events.emit('message_requeued', {
      subscription,
      id: 'b',
      attempts: 1,
      delayMs: 1_000,
      reason: 'batchItemFailure',
    });
    events.emit('message_dead_lettered', {
      subscription,
      id: 'c',
      attempts: 5,
      reason: 'maxAttempts',
      destination: 's3://b/p',
    });
    events.emit('message_filtered_out', { subscription, id: 'e', action: 'finish' });
    events.emit('message_filtered_out', { subscription, id: 'f', action: 'deadLetter' });
    events.emit('message_expired', { subscription, id: 'g', ageMs: 9_000, at: 'receive', action: 'drop' });
    // Assess
    expect(value(registry, 'nsq_lambda_messages_filtered_out_total', { action: 'finish' })).toBe(1);
    expect(value(registry, 'nsq_lambda_messages_filtered_out_total', { action: 'deadLetter' })).toBe(1);
    expect(value(registry, 'nsq_lambda_messages_expired_total', { action: 'drop' })).toBe(1);
    expect(value(registry, 'nsq_lambda_messages_received_total', { subscription })).toBe(4);
    expect(value(registry, 'nsq_lambda_messages_received_bytes_total', { subscription })).toBe(40);
    expect(value(registry, 'nsq_lambda_messages_finished_total', { subscription })).toBe(2);
    expect(value(registry, 'nsq_lambda_messages_requeued_total', { reason: 'batchItemFailure' })).toBe(1);
    expect(value(registry, 'nsq_lambda_messages_dead_lettered_total', { reason: 'maxAttempts' })).toBe(1);
    // The gauge is the engine's own count, whatever the events said (a duplicate finish included).
    expect(value(registry, 'nsq_lambda_messages_in_flight', { subscription })).toBe(3);
    inFlight = 1;
    expect(value(registry, 'nsq_lambda_messages_in_flight', { subscription })).toBe(1);
    expect(value(registry, 'nsq_lambda_batch_size_messages', { subscription })).toBe(1);
    expect(value(registry, 'nsq_lambda_invocations_total', { outcome: 'ok' })).toBe(1);
    expect(registry.renderPrometheus()).toContain(
      'nsq_lambda_invocation_duration_seconds_bucket{subscription="orders",outcome="ok",le="0.25"} 1',
    );
  });

  it('counts an HTTP target refusing the request (401/403) by status; other not-executed outcomes are not', () => {
    const events = new BridgeEventEmitter();
    const registry = new MetricsRegistry();
    attachMetrics(events, registry);
    const emit = (errorType: string) =>
      events.emit('batch_invoked', {
        subscription: 'edge',
        batchId: 'b',
        size: 1,
        result: { kind: 'notExecuted', errorType, message: 'm', durationMs: 1 },
      });
    emit('HttpUnauthorized');
    emit('HttpUnauthorized');
    emit('HttpForbidden');
    emit('ECONNREFUSED');
    expect(value(registry, 'nsq_lambda_endpoint_auth_rejections_total', { status: '401' })).toBe(2);
    expect(value(registry, 'nsq_lambda_endpoint_auth_rejections_total', { status: '403' })).toBe(1);
    expect(value(registry, 'nsq_lambda_invocations_total', { outcome: 'notExecuted' })).toBe(4);
  });

  it('counts failures, throttles, malformed responses, touches and answer failures', () => {
    const events = new BridgeEventEmitter();
    const registry = new MetricsRegistry();
    attachMetrics(events, registry);
    const subscription = 's';
    events.emit('batch_invoked', {
      subscription,
      batchId: 'b',
      size: 1,
      result: { kind: 'functionError', errorType: 'Sandbox.Timedout', errorMessage: 't', durationMs: 3_000 },
    });
    events.emit('throttled', {
      subscription,
      batchId: 'b',
      reason: 'ConcurrentInvocationLimitExceeded',
      retryInMs: 100,
      concurrencyLimit: 3,
    });
    events.emit('concurrency_changed', { subscription, limit: 4, max: 8 });
    events.emit('response_malformed', { subscription, batchId: 'b', problem: 'unknown id' });
    events.emit('message_touched', { subscription, id: 'x' });
    events.emit('message_touched', { subscription, id: 'x' });
    events.emit('message_near_max_timeout', { subscription, id: 'x', remainingMs: 100 });
    events.emit('answer_failed', { subscription, code: 'E_FIN_FAILED', message: 'late' });
    events.emit('dead_letter_failed', { subscription, ids: ['x', 'y'], error: new Error('down') });
    events.emit('nsqd_connected', { subscription, address: 'n1:4150' });
    events.emit('nsqd_connected', { subscription, address: 'n2:4150' });
    events.emit('nsqd_disconnected', { subscription, address: 'n1:4150' });
    events.emit('paused', { subscription, reason: 'toggle' });
    events.emit('draining', { deadlineMs: 1_000 });
    events.emit('error', { error: new Error('x') });

    expect(value(registry, 'nsq_lambda_function_errors_total', { error_type: 'Sandbox.Timedout' })).toBe(1);
    expect(
      value(registry, 'nsq_lambda_throttles_total', { reason: 'ConcurrentInvocationLimitExceeded' }),
    ).toBe(1);
    expect(value(registry, 'nsq_lambda_concurrency_limit', { subscription })).toBe(4);
    expect(value(registry, 'nsq_lambda_concurrency_max', { subscription })).toBe(8);
    expect(value(registry, 'nsq_lambda_malformed_responses_total', { subscription })).toBe(1);
    expect(value(registry, 'nsq_lambda_touches_total', { subscription })).toBe(2);
    expect(value(registry, 'nsq_lambda_messages_near_max_msg_timeout_total', { subscription })).toBe(1);
    expect(value(registry, 'nsq_lambda_answer_failures_total', { code: 'E_FIN_FAILED' })).toBe(1);
    expect(value(registry, 'nsq_lambda_dead_letter_failures_total', { subscription })).toBe(2);
    expect(value(registry, 'nsq_lambda_nsqd_connections', { subscription })).toBe(1);
    expect(value(registry, 'nsq_lambda_paused', { subscription })).toBe(1);
    expect(value(registry, 'nsq_lambda_draining')).toBe(1);
    expect(value(registry, 'nsq_lambda_errors_total', { subscription: '' })).toBe(1);
  });

  it('stops counting once detached', () => {
    const events = new BridgeEventEmitter();
    const registry = new MetricsRegistry();
    let reads = 0;
    const detach = attachMetrics(events, registry, {
      subscriptions: () => {
        reads++;
        return [{ name: 's', inFlight: 1 }];
      },
    });
    detach();
    registry.snapshot();
    expect(reads).toBe(0);
    events.emit('message_received', { subscription: 's', id: 'a', attempts: 1, bytes: 1 });
    expect(value(registry, 'nsq_lambda_messages_received_total', { subscription: 's' })).toBeUndefined();
    expect(events.listenerCount('message_received')).toBe(0);
  });
});
