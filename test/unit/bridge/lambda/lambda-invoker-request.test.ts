/** What the lean Lambda invoker puts on the wire (lambda-invoker.ts): one signed POST per batch. */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createLambdaInvoker } from '#bridge/lambda/lambda-invoker';

const payload = Buffer.from(JSON.stringify({ messages: [] }));

describe('createLambdaInvoker request', () => {
  it('sends one signed request: the path, the invocation type, SigV4 for lambda in the region, never the secret', async () => {
    const seen: Array<{ url?: string; headers: http.IncomingHttpHeaders }> = [];
    const server = http.createServer((req, res) => {
      req.resume();
      seen.push({ url: req.url, headers: req.headers });
      res.writeHead(200, { 'content-length': '2' });
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const signed = createLambdaInvoker({
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'very-secret', sessionToken: 'tok' },
      maxSockets: 1,
      connectionTimeoutMs: 2_000,
    });
    try {
      expect((await signed.invoke({ functionName: 'my-fn:live', payload, timeoutMs: 5_000 })).kind).toBe(
        'ok',
      );
      expect(seen).toHaveLength(1);
      const [{ url, headers }] = seen as [(typeof seen)[0]];
      expect(url).toBe('/2015-03-31/functions/my-fn%3Alive/invocations');
      expect(headers).toMatchObject({
        'x-amz-invocation-type': 'RequestResponse',
        'content-type': 'application/octet-stream',
        'user-agent': 'nsq-lambda-bridge',
        'x-amz-security-token': 'tok',
        'x-amz-content-sha256': createHash('sha256').update(payload).digest('hex'),
      });
      expect(headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/lambda\/aws4_request, /,
      );
      expect(JSON.stringify(headers)).not.toContain('very-secret');
    } finally {
      await signed.close();
      server.close();
    }
  });
});
