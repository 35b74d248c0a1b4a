/**
 * Scale to zero, the bridge's side: with `idleExit`, the bridge process drains and exits 0 once it has
 * held nothing and nsqd has had nothing to read for the channel across `afterMs` (never on one
 * observation), and stays up while a message is held by it or by another consumer of the channel.
 */
import { Reader } from 'nsqjs';
import { describe, expect, it } from 'vitest';
import type { BridgeConfigInput } from '#shared/config/bridge-config';
import { startInvokeResponder } from '#test/harness/invoke-responder';
import { useServices, waitFor, waitStable } from '#test/harness/services';
import { eventOf } from './bridge-harness.ts';
import { spawnBridge, useBridgeProcesses } from './bridge-process.ts';

const services = useServices();
const { processes, responders } = useBridgeProcesses();
const AFTER_MS = 1_500;

function idleConfig(nsqdTcp: string, nsqdHttp: string, endpoint: string, topic: string): BridgeConfigInput {
  return {
    nsqdTcpAddresses: [nsqdTcp],
    lambda: { region: 'us-east-1', endpoint },
    deadLetter: { kind: 'nsq', topic: 'dead-letters', nsqdHttpAddresses: [nsqdHttp] },
    http: { host: '127.0.0.1', port: 0 },
    backlog: { intervalMs: 250, nsqdHttpAddresses: [nsqdHttp] },
    idleExit: { afterMs: AFTER_MS },
    subscriptions: [{ name: 'idle', functionName: 'idle-fn', topic, channel: 'bridge', maxWaitMs: 10 }],
  };
}

describe('bridge idle exit', () => {
  it('stays up while it holds a message longer than afterMs, then exits 0 after a quiet afterMs', async () => {
    // Prepare: a function that takes longer than the idle period.
    const nsqd = await services.nsqd();
    const topic = 'idle-slow';
    await nsqd.http.createTopic(topic);
    await nsqd.http.createChannel(topic, 'bridge');
    let answeredAtMs = 0;
    const invoked: string[] = [];
    const responder = await startInvokeResponder(async (call) => {
      invoked.push(...eventOf(call.payload).messages.map((m) => m.id));
      await new Promise((r) => setTimeout(r, 2 * AFTER_MS));
      answeredAtMs = Date.now();
      return { body: { batchItemFailures: [] } };
    });
    responders.push(responder);
    const p = spawnBridge(idleConfig(nsqd.tcpAddress, nsqd.httpAddress, responder.endpoint, topic), {
      LOG_LEVEL: 'info',
    });
    processes.push(p);
    let exitedAtMs = 0;
    void p.exited.then(() => {
      exitedAtMs = Date.now();
    });

    // Act
    await nsqd.http.publish(topic, 'slow work');

    // Assess
    expect(await p.exited).toBe(0);
    expect(invoked).toHaveLength(1);
    expect(answeredAtMs).toBeGreaterThan(0);
    expect(exitedAtMs - answeredAtMs).toBeGreaterThanOrEqual(AFTER_MS);
    expect(p.output()).toMatch(/"msg":"idle exit".*idle for 1500 ms/);
    const channel = await nsqd.http.channelStats(topic, 'bridge');
    expect(channel).toMatchObject({ depth: 0, in_flight_count: 0, requeue_count: 0, timeout_count: 0 });
    expect(channel?.message_count).toBe(1);
  });

  it('stays up while another consumer of the channel holds a message, exits once it is answered', async () => {
    // Prepare: another reader takes the only message and holds it.
    const nsqd = await services.nsqd();
    const topic = 'idle-other';
    await nsqd.http.createTopic(topic);
    const other = new Reader(topic, 'bridge', { nsqdTCPAddresses: [nsqd.tcpAddress], maxInFlight: 1 });
    const held: { finish(): void }[] = [];
    other.on('message', (m) => held.push(m));
    other.connect();
    await nsqd.http.publish(topic, 'held elsewhere');
    await waitFor(() => held.length === 1, { what: 'the other consumer holds the message' });
    const responder = await startInvokeResponder(() => ({ body: { batchItemFailures: [] } }));
    responders.push(responder);
    const p = spawnBridge(idleConfig(nsqd.tcpAddress, nsqd.httpAddress, responder.endpoint, topic));
    processes.push(p);
    let exited = false;
    void p.exited.then(() => {
      exited = true;
    });
    try {
      // Act + Assess: still running across three idle periods while the message is in flight elsewhere.
      await waitStable(() => (exited ? 'exited' : 'running'), {
        quietMs: 3 * AFTER_MS,
        timeoutMs: 20_000,
        what: 'the bridge keeps running',
      });
      expect(exited).toBe(false);
      held[0]?.finish();
      expect(await p.exited).toBe(0);
      expect(responder.calls).toHaveLength(0);
    } finally {
      other.close();
    }
  });
});
