import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createInvokeSigner, lambdaEndpoint } from '#bridge/lambda/invoke-signer';
import { waitFor } from '#dev/services/wait';

const request = (body = Buffer.from('{"messages":[]}')) => ({
  hostname: 'lambda.eu-west-1.amazonaws.com',
  path: '/2015-03-31/functions/fn/invocations',
  headers: { host: 'lambda.eu-west-1.amazonaws.com', 'x-amz-invocation-type': 'RequestResponse' },
  body,
});

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('lambdaEndpoint', () => {
  it.each([
    ['us-east-1', 'https://lambda.us-east-1.amazonaws.com/'],
    ['cn-north-1', 'https://lambda.cn-north-1.amazonaws.com.cn/'],
  ])('gives the SDK rules’ endpoint for %s', async (region, url) => {
    expect((await lambdaEndpoint(region)).href).toBe(url);
  });

  it('keeps a configured endpoint', async () => {
    expect((await lambdaEndpoint('us-east-1', 'http://127.0.0.1:9001')).href).toBe('http://127.0.0.1:9001/');
  });
});

describe('createInvokeSigner', () => {
  it('signs with SigV4 for lambda in the region, with the token and the payload hash, never the secret', async () => {
    const signer = createInvokeSigner({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'very-secret', sessionToken: 'tok' },
    });
    const body = Buffer.from('{"messages":[1]}');
    const headers = await signer.sign(request(body));
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-invocation-type;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
    expect(headers['x-amz-security-token']).toBe('tok');
    expect(JSON.stringify(headers)).not.toContain('very-secret');
  });

  it('uses the default credential chain when none are given (here: the environment)', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'ENVKEY';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    delete process.env.AWS_PROFILE;
    const headers = await createInvokeSigner({ region: 'eu-west-1' }).sign(request());
    expect(headers.authorization).toContain('Credential=ENVKEY/');
  });

  it('takes the ECS task role from the container credentials endpoint and fetches new ones before they expire', async () => {
    // Prepare: a container credentials endpoint (as ECS serves the task role) whose credentials expire in
    // 2 minutes, so each one is due for a refresh (the chain refreshes 5 minutes before expiry).
    let served = 0;
    const server = http.createServer((_, res) => {
      served++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          AccessKeyId: `ROLEKEY${served}`,
          SecretAccessKey: 'role-secret',
          Token: `role-token-${served}`,
          Expiration: new Date(Date.now() + 120_000).toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `http://127.0.0.1:${(server.address() as AddressInfo).port}/creds`;
    try {
      const signer = createInvokeSigner({ region: 'eu-west-1' });
      // Act
      const first = await signer.sign(request());
      // Assess: the role's credentials, then new ones fetched in the background and used
      expect(first.authorization).toContain('Credential=ROLEKEY1/');
      expect(first['x-amz-security-token']).toBe('role-token-1');
      let latest = first;
      await waitFor(
        async () => {
          latest = await signer.sign(request());
          return latest.authorization?.includes('Credential=ROLEKEY2/') === true;
        },
        { what: 'the refreshed credentials to be used' },
      );
      expect(latest['x-amz-security-token']).toBe('role-token-2');
      expect(served).toBeGreaterThanOrEqual(2);
    } finally {
      server.close();
    }
  });

  it('corrects its clock by a reply’s Date header, unless an Age header says it was cached', async () => {
    const signer = createInvokeSigner({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const dateOf = async () => {
      const amzDate = (await signer.sign(request()))['x-amz-date'] ?? '';
      return Date.parse(
        amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
      );
    };
    const hourAhead = new Date(Date.now() + 3_600_000).toUTCString();
    signer.observe({ date: hourAhead, age: '10' }, Date.now());
    expect(Math.abs((await dateOf()) - Date.now())).toBeLessThan(5_000);
    signer.observe({ date: hourAhead }, Date.now());
    expect(Math.abs((await dateOf()) - Date.now() - 3_600_000)).toBeLessThan(5_000);
  });
});
