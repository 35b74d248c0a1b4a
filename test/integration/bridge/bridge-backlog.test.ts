import { describe, expect, it } from 'vitest';
import type { BridgeConfigInput } from '#shared/config/bridge-config';
import { startInvokeResponder } from '#test/harness/invoke-responder';
import { useServices, waitFor } from '#test/harness/services';
import { type BridgeProcess, spawnBridge, useBridgeProcesses, waitForOutput } from './bridge-process.ts';

const services = useServices();
const { processes, responders } = useBridgeProcesses();

function spawnWith(
  nsqd: { tcpAddress: string; httpAddress: string },
  endpoint: string,
  config: Partial<BridgeConfigInput> & Pick<BridgeConfigInput, 'subscriptions'>,
): BridgeProcess {
  const p = spawnBridge(
    {
      nsqdTcpAddresses: [nsqd.tcpAddress],
      lambda: { region: 'us-east-1', endpoint },
      deadLetter: { kind: 'nsq', topic: 'dead-letters', nsqdHttpAddresses: [nsqd.httpAddress] },
      http: { host: '127.0.0.1', port: 0 },
      ...config,
    },
    { LOG_LEVEL: 'info' },
  );
  processes.push(p);
  return p;
}

describe('bridge process backlog metric', () => {
  it('publishes depth + deferred + in flight from nsqd /stats for autoscaling', async () => {
    // Prepare: one invocation hangs, so one message stays in flight and the rest wait in the channel.
    const nsqd = await services.nsqd();
    const topic = 'backlog';
    await nsqd.http.createTopic(topic);
    await nsqd.http.createChannel(topic, 'bridge');
    const responder = await startInvokeResponder(() => ({ hang: true }));
    responders.push(responder);
    const p = spawnWith(nsqd, responder.endpoint, {
      backlog: { intervalMs: 1_000, nsqdHttpAddresses: [nsqd.httpAddress] },
      subscriptions: [
        {
          name: 'bl',
          functionName: 'bl-fn',
          topic,
          channel: 'bridge',
          maxMessages: 1,
          maxConcurrentInvocations: 1,
          maxInFlight: 1,
          maxWaitMs: 0,
        },
      ],
    });
    const [, url] = await waitForOutput(p, /"http":"(http:\/\/[^"]+)"/, 'the ops URL in the start log');

    // Act
    await nsqd.http.publishMany(topic, ['a', 'b', 'c', 'd']);

    // Assess: in flight 1 + depth 3 = backlog 4, read from nsqd by the bridge's own monitor.
    const metrics = await waitFor(
      async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        return /^nsq_lambda_backlog\{subscription="bl"\} 4$/m.test(text) ? text : undefined;
      },
      { what: 'nsq_lambda_backlog 4 in /metrics', timeoutMs: 20_000 },
    );
    expect(metrics).toMatch(/^nsq_lambda_channel_in_flight\{subscription="bl"\} 1$/m);
    expect(metrics).toMatch(/^nsq_lambda_channel_depth\{subscription="bl"\} 3$/m);
  });

  it('warns, and starts anyway, when a TCP-only subscription has no nsqd HTTP address to read', async () => {
    const nsqd = await services.nsqd();
    const responder = await startInvokeResponder();
    responders.push(responder);
    const p = spawnWith(nsqd, responder.endpoint, {
      subscriptions: [{ name: 'tcp-only', functionName: 'f', topic: 't', channel: 'c' }],
    });
    await waitForOutput(p, /"msg":"bridge started"/, 'bridge started');
    expect(p.output()).toMatch(/backlog not monitored.*tcp-only/);
  });
});
