/**
 * TLS features together against a real nsqd, consumed by the real bridge: mutual TLS
 * (`--tls-client-auth-policy=require-verify`), and TLS with NSQ AUTH on one connection. Each alone is
 * in nsqjs-traps.test.ts (TLS) and nsq-auth.test.ts (AUTH). `--tls-required=tcp-https` requires TLS on
 * the TCP protocol the bridge speaks and leaves nsqd's plain HTTP API to the test harness.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createBridge } from '#bridge/bridge';
import { BridgeEventEmitter } from '#bridge/events';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import { startNsqAuthServer } from '#test/harness/nsq-auth-server';
import { channelClients } from '#test/harness/nsqd-clients';
import { useServices, waitFor } from '#test/harness/services';
import { mutualTlsFiles } from '#test/harness/tls-certs';
import { bodiesOf, eventOf, type Started, startBridge } from './bridge-harness.ts';

const services = useServices();
const SECRET = 'nsq-tls-auth-secret-91c2';
const certs = mutualTlsFiles();
let current: Started | undefined;
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await current?.stop();
  current = undefined;
});
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('nsqd TLS, together with client certificates and AUTH', () => {
  it('mTLS (require-verify): the bridge presents its client certificate and consumes over TLS', async () => {
    const nsqd = await services.nsqd({
      args: [
        `--tls-cert=${certs.serverCert}`,
        `--tls-key=${certs.serverKey}`,
        `--tls-root-ca-file=${certs.ca}`,
        '--tls-client-auth-policy=require-verify',
        '--tls-required=tcp-https',
      ],
    });
    const got: string[] = [];
    current = await startBridge(
      nsqd,
      (call) => {
        got.push(...bodiesOf(eventOf(call.payload)));
        return { body: null };
      },
      { maxMessages: 10 },
      {
        tls: {
          enabled: true,
          ca: certs.ca,
          cert: certs.clientCert,
          key: certs.clientKey,
          servername: 'localhost',
        },
      },
    );
    const finished: string[] = [];
    current.events.on('message_finished', (e) => finished.push(e.id));
    const { topic, channel } = current;
    const bodies = ['one', 'two', 'three'];
    await nsqd.http.publishMany(topic, bodies);
    // nsqd counts the FINs (the bridge's message_finished comes as each FIN is written, a moment earlier).
    const [client] = await waitFor(
      async () => {
        const clients = await channelClients(nsqd, topic, channel);
        return clients[0]?.finish_count === bodies.length ? clients : undefined;
      },
      { what: '3 FINs over mTLS counted by nsqd' },
    );
    expect(finished).toHaveLength(bodies.length);
    expect(got.sort()).toEqual([...bodies].sort());
    expect(client?.tls).toBe(true);
  });

  it('mTLS (require-verify): a client certificate from another CA is refused; nothing is consumed', async () => {
    const nsqd = await services.nsqd({
      args: [
        `--tls-cert=${certs.serverCert}`,
        `--tls-key=${certs.serverKey}`,
        `--tls-root-ca-file=${certs.ca}`,
        '--tls-client-auth-policy=require-verify',
        '--tls-required=tcp-https',
      ],
    });
    const topic = 'mtls-stranger';
    await nsqd.http.createTopic(topic);
    await nsqd.http.createChannel(topic, 'bridge');
    await nsqd.http.publish(topic, 'not for strangers');
    const events = new BridgeEventEmitter();
    const errors: string[] = [];
    events.on('error', (e) => errors.push(`${e.error.message} ${String(e.error.cause)}`));
    let invoked = 0;
    const bridge = createBridge({
      config: parseBridgeConfig({
        nsqdTcpAddresses: [nsqd.tcpAddress],
        tls: {
          enabled: true,
          ca: certs.ca,
          cert: certs.strangerCert,
          key: certs.strangerKey,
          servername: 'localhost',
        },
        deadLetter: { kind: 's3', bucket: 'unused' },
        subscriptions: [{ name: 'stranger', functionName: 'f', topic, channel: 'bridge' }],
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
      // nsqd ends the handshake; the bridge reports the failed connection (the positive event).
      await waitFor(() => errors.length > 0, { what: 'the refused connection reported', timeoutMs: 15_000 });
      // nsqd's TLS alert: it does not know the CA that signed our certificate.
      expect(errors[0]).toMatch(/alert unknown ca/);
      const stats = await nsqd.http.channelStats(topic, 'bridge');
      expect(stats?.depth).toBe(1);
      expect(stats?.in_flight_count).toBe(0);
      expect(stats?.client_count).toBe(0);
      expect(bridge.status.ready).toBe(false);
      expect(invoked).toBe(0);
    } finally {
      await bridge.drain(1_000);
    }
  });

  it('TLS and AUTH together (TLS required on TCP): the secret is sent over TLS, accepted, and the bridge consumes', async () => {
    const auth = await startNsqAuthServer(SECRET);
    closers.push(auth.close);
    const nsqd = await services.nsqd({
      args: [
        `--tls-cert=${certs.serverCert}`,
        `--tls-key=${certs.serverKey}`,
        '--tls-required=tcp-https',
        `--auth-http-address=${auth.address}`,
      ],
    });
    const got: string[] = [];
    current = await startBridge(
      nsqd,
      (call) => {
        got.push(...bodiesOf(eventOf(call.payload)));
        return { body: null };
      },
      { maxMessages: 10 },
      { tls: { enabled: true, ca: certs.ca, servername: 'localhost' } },
      { secrets: { nsqAuthSecret: SECRET } },
    );
    const finished: string[] = [];
    current.events.on('message_finished', (e) => finished.push(e.id));
    const { topic, channel } = current;
    await nsqd.http.publishMany(topic, ['secret-a', 'secret-b']);
    const [client] = await waitFor(
      async () => {
        const clients = await channelClients(nsqd, topic, channel);
        return clients[0]?.finish_count === 2 ? clients : undefined;
      },
      { what: '2 FINs over TLS with AUTH counted by nsqd' },
    );
    expect(finished).toHaveLength(2);
    expect(got.sort()).toEqual(['secret-a', 'secret-b']);
    expect(auth.seen).toContain(SECRET);
    expect(client?.tls).toBe(true);
    expect(client?.authed).toBe(true);
    expect(client?.auth_identity).toBe('bridge');
  });
});
