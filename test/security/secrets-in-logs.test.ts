/**
 * Secret values never appear in the bridge's logs or error output (SECURITY.md), even when the
 * failures around them are made to carry the secrets: the real bridge process runs at LOG_LEVEL debug
 * with NSQ_AUTH_SECRET and UPSTASH_REDIS_REST_TOKEN set, against
 * - an nsqd that requires AUTH (our auth server checks the secret, so the secret is really used);
 * - an "Upstash" endpoint that fails every request with the bearer token echoed in its error;
 * - a Lambda endpoint whose function errors quote both secrets;
 * and every line it writes to stdout and stderr (logs and CloudWatch EMF), and what its ops endpoints (/metrics, /readyz,
 * /healthz) answer, is searched for either secret, in the encodings a careless log could use. The logger's redaction itself is unit tested in
 * test/unit/bridge/observability/logger.test.ts.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { requeueReasonLabel } from '#bridge/observability/requeue-reason-label';
import { startInvokeResponder } from '#test/harness/invoke-responder';
import { useServices, waitFor } from '#test/harness/services';
import { spawnBridge } from '#test/integration/bridge/bridge-process';

const services = useServices();
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => {});
});

async function listen(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Every form in which a secret could leak into text. */
function forms(secret: string): string[] {
  const b64 = Buffer.from(secret).toString('base64');
  return [
    secret,
    b64,
    b64.replace(/=+$/, ''),
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
  ];
}

describe('requeue reasons become bounded metric labels', () => {
  it('keeps engine reasons and single tokens, reduces free text to its error type or "other"', () => {
    expect(requeueReasonLabel('toggle stopped')).toBe('toggle stopped');
    expect(requeueReasonLabel('batchItemFailure')).toBe('batchItemFailure');
    expect(requeueReasonLabel('Sandbox.Timedout: Task timed out after 3.00 seconds')).toBe(
      'Sandbox.Timedout',
    );
    expect(requeueReasonLabel('not executed: ECONNREFUSED')).toBe('notExecuted');
    expect(requeueReasonLabel('could not reach https://user:hunter2@db.example')).toBe('other');
    expect(requeueReasonLabel(`Error: token=${'x'.repeat(30)}`)).toBe('Error');
  });
});

describe('secrets never reach the logs', () => {
  it('the NSQ auth secret and the Upstash token stay out of every line, under forced failures', async () => {
    const nsqSecret = `nsq-secret-${randomBytes(12).toString('hex')}`;
    const upstashToken = `upstash-token-${randomBytes(12).toString('base64url')}`;

    const secretsSeen: string[] = [];
    const authAddress = await listen((req, res) => {
      const secret = new URL(req.url ?? '/', 'http://x').searchParams.get('secret') ?? '';
      secretsSeen.push(secret);
      if (secret !== nsqSecret) {
        res.writeHead(403).end('{"message":"forbidden"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          ttl: 3600,
          identity: 'bridge',
          identity_url: '',
          authorizations: [{ permissions: ['subscribe', 'publish'], topic: '.*', channels: ['.*'] }],
        }),
      );
    });
    const bearersSeen: string[] = [];
    const upstashAddress = await listen((req, res) => {
      const auth = req.headers.authorization ?? '';
      bearersSeen.push(auth);
      req.resume();
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: `ERR rejected credentials ${auth} (token ${auth.slice(7)})` }));
    });
    const responder = await startInvokeResponder(() => ({
      functionError: 'Unhandled',
      body: {
        errorType: 'Error',
        errorMessage: `connect failed with token=${upstashToken} secret=${nsqSecret} b64=${Buffer.from(upstashToken).toString('base64')}`,
      },
    }));
    closers.push(() => responder.close());

    const nsqd = await services.nsqd({ args: [`--auth-http-address=${authAddress}`] });
    await nsqd.http.createTopic('secrets');
    await nsqd.http.createChannel('secrets', 'bridge');
    const bridge = spawnBridge(
      {
        nsqdTcpAddresses: [nsqd.tcpAddress],
        lambda: { region: 'us-east-1', endpoint: responder.endpoint },
        deadLetter: { kind: 'nsq', topic: 'secrets-dead', nsqdHttpAddresses: [nsqd.httpAddress] },
        toggles: { url: `http://${upstashAddress}`, pollIntervalMs: 200 },
        http: { host: '127.0.0.1', port: 0 },
        subscriptions: [
          {
            name: 'secrets',
            functionName: 'secrets-fn',
            topic: 'secrets',
            channel: 'bridge',
            maxWaitMs: 20,
            maxAttempts: 2,
            requeue: { baseDelayMs: 50, maxDelayMs: 100, jitter: 'none' },
          },
        ],
      },
      {
        LOG_LEVEL: 'debug',
        NSQ_LAMBDA_EMF: 'on',
        NSQ_AUTH_SECRET: nsqSecret,
        UPSTASH_REDIS_REST_TOKEN: upstashToken,
      },
    );
    closers.push(async () => {
      bridge.kill('SIGKILL');
      await bridge.exited;
    });
    await nsqd.http.publishMany('secrets', ['one', 'two']);
    // The secrets were really used, and the failures really happened and were logged.
    await waitFor(() => secretsSeen.includes(nsqSecret), {
      what: 'nsqd AUTH with the secret',
      timeoutMs: 20_000,
    });
    await waitFor(() => bearersSeen.includes(`Bearer ${upstashToken}`), {
      what: 'a toggle read with the token',
    });
    await waitFor(
      async () => (await nsqd.http.stats({ topic: 'secrets-dead' })).topics[0]?.message_count === 2,
      { what: 'both messages dead-lettered after failing twice', timeoutMs: 30_000 },
    );
    // The ops endpoints carry no secret either.
    const started = bridge
      .output()
      .split('\n')
      .find((line) => line.includes('"bridge started"'));
    const opsUrl = (JSON.parse(started ?? '{}') as { http?: string }).http;
    expect(opsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const endpoints = await Promise.all(
      ['/metrics', '/readyz', '/healthz'].map(async (path) => (await fetch(`${opsUrl}${path}`)).text()),
    );
    expect(endpoints[0]).toMatch(/\S/);
    bridge.kill('SIGTERM');
    expect(await bridge.exited).toBe(0);

    const output = [bridge.output(), ...endpoints].join('\n');
    expect(output).toMatch(/toggle read failed/);
    // CloudWatch EMF lines (flushed on stop) went to stdout too.
    expect(output).toMatch(/"_aws":\{/);
    expect(output).toMatch(/message requeued/);
    expect(output).toMatch(/\[redacted\]/);
    // The requeue reason (the function's error, quoting the secrets) reached /metrics only as its type.
    expect(endpoints[0]).toMatch(
      /nsq_lambda_messages_requeued_total\{subscription="secrets",reason="Error"\} \d/,
    );
    for (const secret of [nsqSecret, upstashToken])
      for (const form of forms(secret))
        expect(output.includes(form), `a form of a secret: ${form}`).toBe(false);
  }, 90_000);
});
