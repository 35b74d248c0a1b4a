import { describe, expect, it } from 'vitest';
import { BridgeEventEmitter } from '#bridge/events';
import { startEmfEmitter } from '#bridge/observability/emf';
import { startHttpServer } from '#bridge/observability/http-server';
import { attachLogging } from '#bridge/observability/log-events';
import { createLogger } from '#bridge/observability/logger';
import { attachMetrics } from '#bridge/observability/metrics';
import { MetricsRegistry } from '#bridge/observability/metrics-registry';

describe('observability wiring', () => {
  it('turns one batch of events into scrapeable metrics, EMF lines and redacted logs', async () => {
    // Prepare: the same wiring as bridge/src/main.ts.
    const secret = 'super-secret-auth';
    const events = new BridgeEventEmitter();
    const registry = new MetricsRegistry();
    const logs: string[] = [];
    const emfLines: string[] = [];
    // In flight is read from the engine at each scrape (here: what its status would say after the two answers).
    attachMetrics(events, registry, { subscriptions: () => [{ name: 'orders', inFlight: 0 }] });
    attachLogging(events, createLogger({ level: 'debug', redact: [secret], write: (l) => logs.push(l) }));
    const emf = startEmfEmitter({ registry, intervalMs: 3_600_000, write: (l) => emfLines.push(l) });
    let draining = false;
    const server = await startHttpServer({
      port: 0,
      registry,
      readiness: () => (draining ? { ready: false, reason: 'draining' } : { ready: true }),
    });
    try {
      // Act
      const subscription = 'orders';
      events.emit('nsqd_connected', { subscription, address: '127.0.0.1:4150' });
      for (const id of ['m1', 'm2'])
        events.emit('message_received', { subscription, id, attempts: 1, bytes: 5 });
      events.emit('batch_started', { subscription, batchId: 'b1', size: 2, bytes: 10 });
      events.emit('batch_invoked', {
        subscription,
        batchId: 'b1',
        size: 2,
        result: { kind: 'ok', payload: new Uint8Array(), durationMs: 40 },
      });
      events.emit('message_finished', { subscription, id: 'm1', attempts: 1, latencyMs: 45 });
      events.emit('message_requeued', {
        subscription,
        id: 'm2',
        attempts: 1,
        delayMs: 100,
        reason: 'batchItemFailure',
      });
      events.emit('error', { subscription, error: new Error(`E_AUTH_FAILED for ${secret}`) });
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const ready = await fetch(`${server.url}/readyz`);
      draining = true;
      events.emit('draining', { deadlineMs: 1_000 });
      const notReady = await fetch(`${server.url}/readyz`);
      emf.stop();
      // Assess
      expect(metrics).toContain('nsq_lambda_messages_received_total{subscription="orders"} 2\n');
      expect(metrics).toContain('nsq_lambda_messages_finished_total{subscription="orders"} 1\n');
      expect(metrics).toContain(
        'nsq_lambda_messages_requeued_total{subscription="orders",reason="batchItemFailure"} 1\n',
      );
      expect(metrics).toContain('nsq_lambda_messages_in_flight{subscription="orders"} 0\n');
      expect(metrics).toContain('nsq_lambda_invocations_total{subscription="orders",outcome="ok"} 1\n');
      expect(ready.status).toBe(200);
      expect(notReady.status).toBe(503);
      const emfRecords = emfLines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(emfRecords.find((r) => r.subscription === 'orders' && 'MessagesReceived' in r)).toMatchObject({
        MessagesReceived: 2,
        MessagesFinished: 1,
      });
      expect(logs.length).toBeGreaterThanOrEqual(8);
      expect(logs.join('\n')).not.toContain(secret);
      expect(logs.some((l) => l.includes('"id":"m2"') && l.includes('message requeued'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
