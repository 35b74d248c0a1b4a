import { describe, expect, it } from 'vitest';
import { REQUEUE_CAUSES } from '#bridge/events';
import { requeueLabel } from '#bridge/observability/requeue-reason-label';

describe('requeueLabel', () => {
  it('labels a requeue by its typed cause, or by the error type or token its reason holds', () => {
    expect(requeueLabel('throttled', 'throttled (429): the retry would outlast nsqd --max-msg-timeout')).toBe(
      'throttled',
    );
    expect(requeueLabel('bisect budget spent', 'bisect budget spent; last error Error: x')).toBe(
      'bisect budget spent',
    );
    expect(requeueLabel('connection closed', 'connection closed: nsqd requeues it after msg_timeout')).toBe(
      'connection closed',
    );
    expect(requeueLabel('invoke failed', 'Sandbox.Timedout: Task timed out')).toBe('Sandbox.Timedout');
    expect(requeueLabel('not executed', 'not executed: ECONNREFUSED')).toBe('notExecuted');
    expect(requeueLabel('function', 'requeued by the function')).toBe('requeued by the function');
    expect(requeueLabel('function', 'user secret=hunter2 and more')).toBe('other');
    expect(requeueLabel(undefined, 'batchItemFailure')).toBe('batchItemFailure');
  });

  it('keeps every label a bounded token set: causes have no free text', () => {
    for (const cause of REQUEUE_CAUSES)
      expect(requeueLabel(cause, 'free text: with spaces').length).toBeLessThan(65);
  });
});
