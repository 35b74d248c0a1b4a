import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createInvokeSigner, lambdaEndpoint } from '#bridge/lambda/invoke-signer';

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
