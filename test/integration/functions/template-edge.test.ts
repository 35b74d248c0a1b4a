import { describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signRequest } from '#shared/edge/signature';
import { loadFunction } from '#shared/functions/loader';
import { batchEvent } from '#shared/handler';
import { useLocalUpstash } from '#test/harness/upstash';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const upstash = useLocalUpstash();

describe('template-edge function', () => {
  it('is an edge function that answers a signed batch, dead-lettering invalid messages', async () => {
    // Prepare
    const { url, token } = await upstash.start();
    const loaded = await loadFunction('template-edge');
    const worker = (await import('#functions/template-edge/handler')).default;
    const env = {
      NSQ_LAMBDA_SIGNING_SECRET: 'test-secret',
      UPSTASH_REDIS_REST_URL: url,
      UPSTASH_REDIS_REST_TOKEN: token,
    };
    const event = batchEvent([{ greeting: 'hello' }, { greeting: '' }], { subscription: 'template-edge' });
    const body = JSON.stringify(event);
    const signature = await signRequest(['test-secret'], body, Math.floor(Date.now() / 1000));

    // Act
    const res = await worker.fetch(
      new Request('http://127.0.0.1/', { method: 'POST', body, headers: { [SIGNATURE_HEADER]: signature } }),
      env,
    );

    // Assess
    expect(loaded.definition.target).toBe('edge');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      batchItemFailures: [
        {
          itemIdentifier: event.messages[1]?.id,
          action: 'deadLetter',
          reason: expect.stringMatching(/greeting/),
        },
      ],
    });
  });
});
