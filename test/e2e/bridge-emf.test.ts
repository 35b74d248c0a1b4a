/**
 * The metrics of a running bridge process with EMF on (the default; the image ships them to CloudWatch
 * through the awslogs driver): its stdout is parsed as CloudWatch's embedded metric format, every document
 * is checked against the specification (test/harness/emf.ts), and the values are held against what nsqd
 * and the Invoke API saw.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '#dev/services/ports';
import { type BridgeProcess, startBridgeProcess } from '#dev/up/bridge-process';
import { emfDocuments, emfObservations, emfSum } from '#test/harness/emf';
import { type InvokeResponder, startInvokeResponder } from '#test/harness/invoke-responder';
import { channelClients } from '#test/harness/nsqd-clients';
import { useServices, waitFor } from '#test/harness/services';
import { eventOf } from '../integration/bridge/bridge-harness.ts';

const services = useServices();
let bridge: BridgeProcess | undefined;
let responder: InvokeResponder | undefined;
afterAll(async () => {
  await bridge?.stop(5_000);
  await responder?.close();
});

describe('bridge EMF metrics', () => {
  it('writes valid EMF on stdout whose values match what happened', async () => {
    const nsqd = await services.nsqd();
    const topic = 'emf-orders';
    const channel = 'bridge';
    await nsqd.http.createTopic(topic);
    await nsqd.http.createChannel(topic, channel);
    // 30 succeed at once, 5 fail their first attempt (requeued, then succeed), 1 always fails (requeued,
    // then dead-lettered at maxAttempts 2).
    const ok = Array.from({ length: 30 }, (_, i) => `ok-${i}`);
    const failOnce = Array.from({ length: 5 }, (_, i) => `fail-once-${i}`);
    responder = await startInvokeResponder((call) => ({
      body: {
        batchItemFailures: eventOf(call.payload)
          .messages.filter((m) => {
            const body = Buffer.from(m.body, 'base64').toString();
            return body === 'poison' || (body.startsWith('fail-once') && m.attempts === 1);
          })
          .map((m) => ({ itemIdentifier: m.id })),
      },
    }));
    bridge = await startBridgeProcess({
      config: {
        nsqdTcpAddresses: [nsqd.tcpAddress],
        lambda: { region: 'us-east-1', endpoint: responder.endpoint },
        deadLetter: { kind: 'nsq', topic: 'dead-letters', nsqdHttpAddresses: [nsqd.httpAddress] },
        http: { port: await freePort() },
        backlog: { intervalMs: 0, nsqdHttpAddresses: [] },
        drain: { deadlineMs: 10_000 },
        subscriptions: [
          {
            name: 'orders',
            functionName: 'orders-fn',
            topic,
            channel,
            maxMessages: 10,
            maxWaitMs: 20,
            maxAttempts: 2,
            requeue: { baseDelayMs: 50, maxDelayMs: 200, jitter: 'none' },
          },
        ],
      },
      env: {
        NSQ_LAMBDA_EMF: 'on',
        LOG_LEVEL: 'warn',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
    });
    const startedAtMs = Date.now();
    await nsqd.http.publishMany(topic, [...ok, ...failOnce, 'poison']);
    const messages = ok.length + failOnce.length + 1;

    // Every message answered: nsqd counted a FIN for each (the dead letter is FINished after its write).
    await waitFor(async () => (await channelClients(nsqd, topic, channel))[0]?.finish_count === messages, {
      what: `${messages} FINs counted by nsqd`,
      timeoutMs: 30_000,
    });
    const stats = await nsqd.http.channelStats(topic, channel);
    const deadLetterTopic = (await nsqd.http.stats({ topic: 'dead-letters' })).topics.find(
      (t) => t.topic_name === 'dead-letters',
    );
    const invocations = responder.calls.length;

    // SIGTERM: the bridge drains and flushes the last EMF interval before it exits.
    const exit = await bridge.stop(15_000);
    expect(exit.code).toBe(0);
    const docs = emfDocuments(bridge.output());
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      const [directive] = doc._aws.CloudWatchMetrics;
      expect(directive?.Namespace).toBe('NsqLambda');
      expect(doc._aws.Timestamp).toBeGreaterThanOrEqual(startedAtMs);
      expect(doc._aws.Timestamp).toBeLessThanOrEqual(Date.now());
      expect(directive?.Dimensions[0]).toContain('subscription');
      expect(doc.subscription).toBe('orders');
    }
    const sub = { subscription: 'orders' };
    expect(stats?.requeue_count).toBe(failOnce.length + 1);
    expect(deadLetterTopic?.message_count).toBe(1);
    // Deliveries: each message once, plus one per REQ.
    expect(emfSum(docs, 'MessagesReceived', sub)).toBe(
      (stats?.message_count ?? 0) + (stats?.requeue_count ?? 0),
    );
    expect(emfSum(docs, 'MessagesFinished', sub)).toBe(ok.length + failOnce.length);
    expect(emfSum(docs, 'MessagesRequeued', sub)).toBe(stats?.requeue_count);
    expect(emfSum(docs, 'MessagesDeadLettered', sub)).toBe(deadLetterTopic?.message_count);
    expect(emfSum(docs, 'MessagesFinished', sub) + emfSum(docs, 'MessagesDeadLettered', sub)).toBe(messages);
    expect(emfSum(docs, 'Invocations', { ...sub, outcome: 'ok' })).toBe(invocations);
    expect(emfSum(docs, 'FunctionErrors', sub)).toBe(0);
    // One BatchSize and one InvocationDuration observation per Invoke.
    expect(emfObservations(docs, 'BatchSize')).toBe(invocations);
    expect(emfObservations(docs, 'InvocationDuration')).toBe(invocations);
    const units = new Map(
      docs.flatMap((d) =>
        d._aws.CloudWatchMetrics.flatMap((c) => c.Metrics.map((m) => [m.Name, m.Unit] as const)),
      ),
    );
    expect(units.get('MessagesReceived')).toBe('Count');
    expect(units.get('InvocationDuration')).toBe('Seconds');
  });
});
