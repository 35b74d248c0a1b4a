import { afterAll, describe, expect, it } from 'vitest';
import { createBridge } from '#bridge/bridge';
import { BridgeEventEmitter } from '#bridge/events';
import { createLambdaInvoker } from '#bridge/lambda/lambda-invoker';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import { startInvokeResponder } from '#test/harness/invoke-responder';
import { startNsqAuthServer } from '#test/harness/nsq-auth-server';
import { useServices, waitFor } from '#test/harness/services';
import { waitChannelIdle } from './bridge-harness.ts';

const services = useServices();
const SECRET = 'nsq-auth-secret-7f3a';

const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of closers) await c();
});

describe('NSQ AUTH', () => {
  it('authenticates with the secret from env and consumes; the secret never appears in events', async () => {
    const auth = await startNsqAuthServer(SECRET);
    closers.push(auth.close);
    const nsqd = await services.nsqd({ args: [`--auth-http-address=${auth.address}`] });
    const topic = 'authed';
    await nsqd.http.createTopic(topic);
    await nsqd.http.createChannel(topic, 'bridge');
    const responder = await startInvokeResponder();
    closers.push(() => responder.close());
    const config = parseBridgeConfig(
      {
        nsqdTcpAddresses: [nsqd.tcpAddress],
        deadLetter: { kind: 's3', bucket: 'unused' },
        subscriptions: [{ name: 'auth', functionName: 'f', topic, channel: 'bridge', maxWaitMs: 10 }],
      },
      { nsqAuthSecret: SECRET },
    );
    const events = new BridgeEventEmitter();
    const emitted: string[] = [];
    const originalEmit = events.emit.bind(events) as (name: string, ...args: unknown[]) => boolean;
    events.emit = ((name: string, ...args: unknown[]) => {
      emitted.push(
        `${name} ${JSON.stringify(args, (_k, v) => (v instanceof Error ? `${v.message} ${String(v.cause)}` : v))}`,
      );
      return originalEmit(name, ...args);
    }) as typeof events.emit;
    const bridge = createBridge({
      config,
      invoker: createLambdaInvoker({
        region: 'us-east-1',
        endpoint: responder.endpoint,
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
        maxSockets: 8,
        connectionTimeoutMs: 2_000,
      }),
      deadLetters: { describe: 'none', write: async () => {} },
      events,
    });
    bridge.start();
    try {
      await waitFor(() => bridge.status.ready, { what: 'authenticated and subscribed' });
      await nsqd.http.publish(topic, 'for authorised eyes');
      await waitChannelIdle(nsqd, topic, 'bridge');
      expect(responder.calls).toHaveLength(1);
      expect(auth.seen).toContain(SECRET);
      expect(JSON.stringify(config)).not.toContain(SECRET);
      expect(emitted.join('\n')).not.toContain(SECRET);
    } finally {
      await bridge.drain(2_000);
    }
  });
});
