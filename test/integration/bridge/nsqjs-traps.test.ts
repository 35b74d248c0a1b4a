/**
 * One test per nsqjs trap the bridge guards (see docs/bridge.md "nsqjs traps"), against a real nsqd.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitChannelSettled } from '#test/harness/nsq-channel';
import { channelClients } from '#test/harness/nsqd-clients';
import { useServices, waitFor } from '#test/harness/services';
import { selfSignedCert } from '#test/harness/tls-certs';
import { eventOf, type Started, startBridge, waitChannelIdle } from './bridge-harness.ts';

const services = useServices();
let current: Started | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe('nsqjs traps, guarded', () => {
  it('TLS requested but not granted by nsqd: refuses the connection (never plaintext), consumes nothing', async () => {
    const nsqd = await services.nsqd();
    const topic = 'tls-refused';
    await nsqd.http.createTopic(topic);
    await nsqd.http.createChannel(topic, 'bridge');
    await nsqd.http.publish(topic, 'secret payload');
    const { createBridge } = await import('#bridge/bridge');
    const { BridgeEventEmitter } = await import('#bridge/events');
    const { parseBridgeConfig } = await import('#shared/config/bridge-config');
    const events = new BridgeEventEmitter();
    const errors: string[] = [];
    events.on('error', (e) => errors.push(e.error.message));
    let invoked = 0;
    const bridge = createBridge({
      config: parseBridgeConfig({
        nsqdTcpAddresses: [nsqd.tcpAddress],
        tls: { enabled: true },
        deadLetter: { kind: 's3', bucket: 'unused' },
        subscriptions: [{ name: 'tls', functionName: 'f', topic, channel: 'bridge' }],
      }),
      invoker: {
        invoke: async () => {
          invoked++;
          return { kind: 'ok', payload: Buffer.from('{}'), durationMs: 0 };
        },
        close: async () => {},
      },
      deadLetters: { describe: 'none', write: async () => {} },
      events,
    });
    bridge.start();
    try {
      await waitFor(() => errors.some((m) => m.includes('E_TLS_NOT_GRANTED')), { what: 'TLS refusal' });
      // Consumes nothing across a quiet period, not only at one look.
      const stats = await waitChannelSettled(
        nsqd,
        topic,
        'bridge',
        (s) => s.depth === 1 && s.in_flight_count === 0 && !bridge.status.ready && invoked === 0,
        { what: 'nothing consumed', quietMs: 600 },
      );
      expect(stats.depth).toBe(1);
      expect(stats.in_flight_count).toBe(0);
      expect(bridge.status.ready).toBe(false);
      expect(invoked).toBe(0);
    } finally {
      await bridge.drain(1_000);
    }
  });

  it('TLS granted: connects with the CA and servername (SNI) and consumes', async () => {
    const { cert, key } = selfSignedCert();
    const nsqd = await services.nsqd({
      args: [`--tls-cert=${cert}`, `--tls-key=${key}`],
    });
    let got = '';
    current = await startBridge(
      nsqd,
      (call) => {
        got = Buffer.from(eventOf(call.payload).messages[0]?.body ?? '', 'base64').toString();
        return { body: null };
      },
      { maxMessages: 1 },
      { tls: { enabled: true, ca: cert, servername: 'localhost' } },
    );
    await nsqd.http.publish(current.topic, 'over tls');
    await waitChannelIdle(nsqd, current.topic, current.channel);
    expect(got).toBe('over tls');
  });

  it('a requeue never triggers nsqjs backoff: RDY stays open after a REQ', async () => {
    const nsqd = await services.nsqd();
    current = await startBridge(
      nsqd,
      (call) => ({
        body: {
          batchItemFailures: eventOf(call.payload)
            .messages.filter((m) => m.attempts === 1)
            .map((m) => ({ itemIdentifier: m.id, delayMs: 0 })),
        },
      }),
      { maxMessages: 1, maxConcurrentInvocations: 2 },
    );
    let requeued = 0;
    current.events.on('message_requeued', () => requeued++);
    await nsqd.http.publish(current.topic, 'fail once');
    await waitFor(() => requeued === 1, { what: 'a requeue' });
    // nsqjs backoff would send RDY 0 for ~3.6 s right after the REQ.
    const after = await channelClients(nsqd, current.topic, current.channel);
    expect(after[0]?.ready_count).toBe(2);
    await waitChannelIdle(nsqd, current.topic, current.channel);
  });

  it('a late answer (after nsqd timed the message out) is reported as answer_failed; the connection stays up', async () => {
    const nsqd = await services.nsqd({ args: ['--max-msg-timeout=2s'] });
    let calls = 0;
    current = await startBridge(
      nsqd,
      async () => {
        if (++calls === 1) await new Promise((r) => setTimeout(r, 7_000));
        return { body: null };
      },
      { maxMessages: 1, msgTimeoutMs: 1_000, touchIntervalMs: 300, functionTimeoutMs: 8_000 },
    );
    const failed: string[] = [];
    const near: string[] = [];
    current.events.on('answer_failed', (e) => failed.push(e.code));
    current.events.on('message_near_max_timeout', (e) => near.push(e.id));
    await nsqd.http.publish(current.topic, 'slow');
    await waitFor(() => calls === 1, { what: 'first invoke' });
    // Paused, nsqd cannot hand the timed-out message back to us, so our late FIN is for a message we no longer own.
    await fetch(
      `http://${nsqd.httpAddress}/channel/pause?topic=${current.topic}&channel=${current.channel}`,
      { method: 'POST' },
    );
    await waitFor(() => failed.length > 0, { what: 'late FIN refused', timeoutMs: 20_000 });
    await fetch(
      `http://${nsqd.httpAddress}/channel/unpause?topic=${current.topic}&channel=${current.channel}`,
      { method: 'POST' },
    );
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel);
    expect(failed).toEqual(['E_FIN_FAILED']);
    expect(near.length).toBeGreaterThanOrEqual(1);
    expect(stats.timeout_count).toBe(1);
    expect(calls).toBe(2);
    expect(current.bridge.status.ready).toBe(true);
  });

  it('a redelivery of a message still being invoked is held, then answered by the first answer (no second invoke)', async () => {
    const nsqd = await services.nsqd({ args: ['--max-msg-timeout=4s'] });
    let calls = 0;
    current = await startBridge(
      nsqd,
      async () => {
        calls++;
        // nsqd times the first delivery out at ~5 s (4 s cap; it scans a new channel after up to 5 s) and hands
        // it back; that redelivery (4 s cap again) is still live when this answer comes at 7 s.
        await new Promise((r) => setTimeout(r, 7_000));
        return { body: null };
      },
      { maxMessages: 1, msgTimeoutMs: 1_000, touchIntervalMs: 300, functionTimeoutMs: 8_000 },
    );
    const absorbed: number[] = [];
    current.events.on('message_redelivery_absorbed', (e) => absorbed.push(e.attempts));
    await nsqd.http.publish(current.topic, 'slow');
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel, 30_000);
    expect(stats.timeout_count).toBe(1);
    expect(absorbed).toEqual([2]);
    expect(calls).toBe(1);
  });

  it('a throwing listener in the message path does not crash the process: the message is requeued, then processed', async () => {
    const nsqd = await services.nsqd();
    let processed = 0;
    current = await startBridge(nsqd, (call) => {
      processed += eventOf(call.payload).messages.length;
      return { body: null };
    });
    let throws = 1;
    const errors: string[] = [];
    current.events.on('error', (e) => errors.push(e.error.message));
    current.events.on('message_received', () => {
      if (throws-- > 0) throw new Error('listener exploded');
    });
    await nsqd.http.publish(current.topic, 'x');
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel);
    expect(processed).toBe(1);
    expect(stats.requeue_count).toBe(1);
    expect(errors).toContain('listener exploded');
  });
});
