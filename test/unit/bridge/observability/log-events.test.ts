import { describe, expect, it } from 'vitest';
import { BridgeEventEmitter } from '#bridge/events';
import { attachLogging, throttledMessage } from '#bridge/observability/log-events';
import { createLogger, type LogLevel } from '#bridge/observability/logger';

function setup(level: LogLevel = 'debug', redact: string[] = []) {
  const lines: string[] = [];
  const events = new BridgeEventEmitter();
  const detach = attachLogging(events, createLogger({ level, redact, write: (l) => lines.push(l) }));
  const entries = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { events, detach, entries, lines };
}

describe('attachLogging', () => {
  it('logs message events with the subscription and message id at the right level', () => {
    // Prepare
    const { events, entries } = setup();
    // Act
    events.emit('message_received', { subscription: 'orders', id: 'm1', attempts: 1, bytes: 3 });
    events.emit('message_requeued', {
      subscription: 'orders',
      id: 'm1',
      attempts: 1,
      delayMs: 500,
      reason: 'functionError',
    });
    events.emit('message_dead_lettered', {
      subscription: 'orders',
      id: 'm2',
      attempts: 5,
      reason: 'maxAttempts',
      destination: 's3://b/p',
    });
    events.emit('dead_letter_failed', {
      subscription: 'orders',
      ids: ['m3', 'm4'],
      error: new Error('NoSuchBucket'),
    });
    // Assess
    expect(entries().map((e) => [e.level, e.event, e.id ?? e.ids])).toEqual([
      ['debug', 'message_received', 'm1'],
      ['info', 'message_requeued', 'm1'],
      ['warn', 'message_dead_lettered', 'm2'],
      ['error', 'dead_letter_failed', ['m3', 'm4']],
    ]);
    expect(entries()[3]?.error).toMatchObject({ message: 'NoSuchBucket' });
    expect(entries().every((e) => e.subscription === 'orders')).toBe(true);
  });

  it('logs invoke outcomes: ok at debug, failures at warn with their details', () => {
    const { events, entries } = setup('info');
    const base = { subscription: 's', batchId: 'b1', size: 2 };
    events.emit('batch_invoked', {
      ...base,
      result: { kind: 'ok', payload: new Uint8Array(), durationMs: 5 },
    });
    events.emit('batch_invoked', {
      ...base,
      result: {
        kind: 'functionError',
        errorType: 'Runtime.ExitError',
        errorMessage: 'killed',
        requestId: 'r1',
        durationMs: 9,
      },
    });
    events.emit('batch_invoked', {
      ...base,
      result: { kind: 'ambiguous', errorType: 'ECONNRESET', message: 'socket hang up', durationMs: 1 },
    });
    expect(entries()).toHaveLength(2);
    expect(entries()[0]).toMatchObject({
      level: 'warn',
      batchId: 'b1',
      outcome: 'functionError',
      errorType: 'Runtime.ExitError',
      requestId: 'r1',
    });
    expect(entries()[1]).toMatchObject({
      outcome: 'ambiguous',
      errorType: 'ECONNRESET',
      errorMessage: 'socket hang up',
    });
  });

  it('logs an HTTP target refusing the signature (401/403) at error, naming the subscription and URL', () => {
    const { events, entries } = setup('error');
    const message = 'HTTP 401 from https://fn.example.com/batch: bad signature';
    events.emit('batch_invoked', {
      subscription: 'edge',
      batchId: 'b1',
      size: 3,
      result: { kind: 'notExecuted', errorType: 'HttpUnauthorized', message, durationMs: 4 },
    });
    events.emit('batch_invoked', {
      subscription: 'edge',
      batchId: 'b2',
      size: 3,
      result: { kind: 'notExecuted', errorType: 'ECONNREFUSED', message: 'refused', durationMs: 1 },
    });
    expect(entries()).toHaveLength(1);
    expect(entries()[0]).toMatchObject({
      level: 'error',
      subscription: 'edge',
      outcome: 'notExecuted',
      errorType: 'HttpUnauthorized',
      errorMessage: message,
    });
    expect(String(entries()[0]?.msg ?? entries()[0]?.message)).toMatch(/signing secret/);
  });

  it('never leaks a secret carried by an error event', () => {
    const secret = 'nsq-secret-value-42';
    const { events, lines } = setup('debug', [secret]);
    events.emit('error', {
      subscription: 's',
      error: new Error(`E_AUTH_FAILED AUTH failed for secret ${secret}`),
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(secret);
    expect(lines[0]).toContain('E_AUTH_FAILED');
  });

  it('logs every event type and stops once detached', () => {
    const { events, detach, entries } = setup();
    const s = 's';
    events.emit('batch_started', { subscription: s, batchId: 'b', size: 1, bytes: 1 });
    events.emit('response_malformed', { subscription: s, batchId: 'b', problem: 'duplicate id' });
    events.emit('throttled', {
      subscription: s,
      batchId: 'b',
      reason: 'R',
      retryInMs: 10,
      concurrencyLimit: 1,
    });
    events.emit('concurrency_changed', { subscription: s, limit: 2, max: 4 });
    events.emit('message_finished', { subscription: s, id: 'm', attempts: 1, latencyMs: 3 });
    events.emit('message_touched', { subscription: s, id: 'm' });
    events.emit('message_near_max_timeout', { subscription: s, id: 'm', remainingMs: 5 });
    events.emit('answer_failed', { subscription: s, code: 'E_FIN_FAILED', message: 'x' });
    events.emit('nsqd_connected', { subscription: s, address: 'a' });
    events.emit('nsqd_disconnected', { subscription: s, address: 'a' });
    events.emit('paused', { subscription: s, reason: 'drain' });
    events.emit('resumed', { subscription: s });
    events.emit('draining', { deadlineMs: 5 });
    events.emit('stopped', { answered: 3, timedOut: false });
    expect(entries().map((e) => e.event)).toEqual([
      'batch_started',
      'response_malformed',
      'throttled',
      'concurrency_changed',
      'message_finished',
      'message_touched',
      'message_near_max_timeout',
      'answer_failed',
      'nsqd_connected',
      'nsqd_disconnected',
      'paused',
      'resumed',
      'draining',
      'stopped',
    ]);
    detach();
    events.emit('stopped', { answered: 0, timedOut: false });
    expect(entries()).toHaveLength(14);
  });

  it.each([
    ['Rate exceeded', 'invoke throttled; retrying with backoff'],
    ['HTTP 429', 'invoke throttled; retrying with backoff'],
    ['HttpUnauthorized', 'endpoint rejected the signature (401); retrying with backoff, no attempt spent'],
    ['HttpForbidden', 'endpoint rejected the signature (403); retrying with backoff, no attempt spent'],
  ])('a throttle-path retry with reason %s logs "%s"', (reason, message) => {
    expect(throttledMessage(reason)).toBe(message);
    const { events, entries } = setup();
    events.emit('throttled', { subscription: 's', batchId: 'b', reason, retryInMs: 10, concurrencyLimit: 1 });
    expect(entries()[0]).toMatchObject({ level: 'warn', event: 'throttled', reason });
    expect(JSON.stringify(entries()[0])).toContain(message);
  });
});
