/**
 * A quick msgs/s check of the bridge engine with an instant function (not a test, no pass/fail):
 * a real nsqd with a pre-published backlog, the real Lambda invoker against the Invoke responder (which
 * answers at once), and the bridge in-process. The full benchmark is bench/main.ts.
 *
 *   node dev/node.mjs node --import tsx bench/bridge-quick.ts [messages=20000]
 */
import { createBridge } from '#bridge/bridge';
import { BridgeEventEmitter } from '#bridge/events';
import { createLambdaInvoker } from '#bridge/lambda/lambda-invoker';
import { Nsqd } from '#dev/services/nsq';
import { waitFor } from '#dev/services/wait';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import { startInvokeResponder } from '#test/harness/invoke-responder';

const total = Number(process.argv[2] ?? 20_000);

async function trial(label: string, maxMessages: number, maxConcurrentInvocations: number) {
  const nsqd = await Nsqd.start();
  const responder = await startInvokeResponder(() => ({ body: '{"batchItemFailures":[]}' }));
  try {
    const topic = 'bench';
    await nsqd.http.createTopic(topic);
    await nsqd.http.createChannel(topic, 'bridge');
    const body = Buffer.alloc(200, 'x');
    for (let i = 0; i < total; i += 1000)
      await nsqd.http.publishMany(topic, Array(Math.min(1000, total - i)).fill(body));
    const config = parseBridgeConfig({
      nsqdTcpAddresses: [nsqd.tcpAddress],
      deadLetter: { kind: 's3', bucket: 'unused' },
      subscriptions: [
        {
          name: 'bench',
          functionName: 'bench-fn',
          topic,
          channel: 'bridge',
          maxMessages,
          maxConcurrentInvocations,
          maxWaitMs: 5,
        },
      ],
    });
    const invoker = createLambdaInvoker({
      region: 'us-east-1',
      endpoint: responder.endpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxSockets: maxConcurrentInvocations + 4,
      connectionTimeoutMs: 2_000,
    });
    const events = new BridgeEventEmitter();
    let finished = 0;
    events.on('message_finished', () => finished++);
    const bridge = createBridge({
      config,
      invoker,
      deadLetters: { describe: 'none', write: async () => {} },
      events,
    });
    const start = performance.now();
    bridge.start();
    await waitFor(() => finished >= total, { what: 'all finished', timeoutMs: 600_000, intervalMs: 20 });
    const seconds = (performance.now() - start) / 1000;
    await bridge.drain(5_000);
    const stats = await nsqd.http.channelStats(topic, 'bridge');
    console.log(
      `${label}: ${total} messages in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} msgs/s ` +
        `(${responder.calls.length} invokes, maxMessages ${maxMessages}, concurrency ${maxConcurrentInvocations}, depth left ${stats?.depth}, requeues ${stats?.requeue_count})`,
    );
  } finally {
    await responder.close();
    await nsqd.dispose();
  }
}

await trial('batch 1', 1, 16);
await trial('batch 100', 100, 4);
