/**
 * The real bridge process (bridge/src/main.ts) with HTTP targets: signing secrets read at start from env
 * or Secrets Manager (the real SDK client, against a Secrets Manager-compatible endpoint on 127.0.0.1), every
 * problem listed before exit 1, the secret never in the output, and a refused signature logged at error.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startHttpFunctionServer } from '#test/harness/http-function-server';
import { waitChannelIdle } from '#test/harness/nsq-channel';
import { useServices } from '#test/harness/services';
import { spawnBridge, useBridgeProcesses, waitForOutput } from './bridge-process.ts';

const services = useServices();
const { processes } = useBridgeProcesses();
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => {});
});

const NEW = 'new-edge-secret-0123456789abcdef';
const OLD = 'old-edge-secret-0123456789abcdef';
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:edge-signing-AbCdEf';

/** Answers GetSecretValue (the JSON 1.1 protocol the SDK speaks) for `ARN` only. */
async function secretsManagerEndpoint(value: string): Promise<{ url: string; reads: string[] }> {
  const reads: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']);
      const id = (JSON.parse(body) as { SecretId?: string }).SecretId ?? '';
      reads.push(`${target} ${id}`);
      const ok = target === 'secretsmanager.GetSecretValue' && id === ARN;
      res.writeHead(ok ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify(
          ok
            ? { ARN, Name: 'edge-signing', SecretString: value, VersionId: 'v1' }
            : {
                __type: 'ResourceNotFoundException',
                message: "Secrets Manager can't find the specified secret.",
              },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, reads };
}

describe('the bridge process with HTTP targets', () => {
  it('exits 1 listing every signing-secret problem, without any secret value', async () => {
    const sm = await secretsManagerEndpoint(NEW);
    const target = (signingSecret: string) => ({
      type: 'http',
      url: 'https://fn.example.com',
      signingSecret,
    });
    const p = spawnBridge(
      {
        nsqdTcpAddresses: ['127.0.0.1:1'],
        deadLetter: { kind: 's3', bucket: 'unused-dead-letters' },
        subscriptions: [
          { name: 'unset', topic: 't', channel: 'c', target: target('EDGE_UNSET') },
          { name: 'short', topic: 't', channel: 'c', target: target('EDGE_SHORT') },
          { name: 'missing', topic: 't', channel: 'c', target: target(`${ARN}x`) },
          { name: 'fine', topic: 't', channel: 'c', target: target(ARN) },
        ],
      } as never,
      { EDGE_SHORT: 'tiny-secret', AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url },
    );
    processes.push(p);
    expect(await p.exited).toBe(1);
    const out = p.output();
    expect(out).toMatch(/invalid bridge config \(3 problems\)/);
    expect(out).toMatch(
      /subscriptions unset: target.signingSecret EDGE_UNSET: env var EDGE_UNSET is not set/,
    );
    expect(out).toMatch(/subscriptions short: .*at least 16 characters/);
    expect(out).toMatch(/subscriptions missing: .*cannot read the secret \(ResourceNotFoundException/);
    expect(out).not.toContain('tiny-secret');
    expect(out).not.toContain(NEW);
    expect(sm.reads.sort()).toEqual([
      `secretsmanager.GetSecretValue ${ARN}`,
      `secretsmanager.GetSecretValue ${ARN}x`,
    ]);
  });

  it('signs with both secrets of a rotation (from Secrets Manager), logs a refused signature at error, never a secret', async () => {
    const nsqd = await services.nsqd();
    const topic = `proc-http-${process.pid}`;
    await nsqd.http.createTopic(topic);
    await nsqd.http.createChannel(topic, 'bridge');
    const sm = await secretsManagerEndpoint(JSON.stringify({ current: NEW, previous: OLD }));
    // The endpoint still holds the old secret only: the request passes on its second signature.
    const server = await startHttpFunctionServer({ secrets: [OLD] });
    closers.push(() => server.close());
    const p = spawnBridge(
      {
        nsqdTcpAddresses: [nsqd.tcpAddress],
        deadLetter: { kind: 's3', bucket: 'unused-dead-letters' },
        http: { port: 0 },
        subscriptions: [
          {
            name: 'edge',
            topic,
            channel: 'bridge',
            maxWaitMs: 20,
            target: { type: 'http', url: server.url, signingSecret: ARN },
          },
        ],
      } as never,
      { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url, LOG_LEVEL: 'debug' },
    );
    processes.push(p);
    await waitForOutput(p, /bridge started/, 'the bridge started');
    await nsqd.http.publishMany(topic, ['one', 'two']);
    await waitChannelIdle(nsqd, topic, 'bridge');
    expect(server.calls.length).toBeGreaterThan(0);
    expect(server.calls.every((c) => c.signature.ok)).toBe(true);
    expect(
      server.calls.every((c) => (c.headers['x-nsq-lambda-signature'] as string).split('v1=').length === 3),
    ).toBe(true);

    // The endpoint drops the old secret before the bridge has the new one: refused, logged loudly.
    server.setSecrets(['yet-another-secret-0123456789']);
    await nsqd.http.publish(topic, 'three');
    const line = await waitForOutput(p, /.*refused the request.*/, 'the refusal logged');
    const entry = JSON.parse(line[0]) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'error', subscription: 'edge', errorType: 'HttpUnauthorized' });
    expect(String(entry.errorMessage)).toContain(server.url);
    server.setSecrets([NEW]);
    await waitChannelIdle(nsqd, topic, 'bridge');
    p.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    for (const secret of [NEW, OLD]) expect(p.output()).not.toContain(secret);
  });
});
