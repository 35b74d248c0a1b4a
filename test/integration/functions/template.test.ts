import { describe, expect, it } from 'vitest';
import { loadFunction } from '#shared/functions/loader';
import { batchEvent, lambdaContext } from '#shared/handler';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

describe('template function', () => {
  it('is found by the registry and finishes valid messages, dead-lettering invalid ones', async () => {
    // Prepare
    const loaded = await loadFunction('template');
    const { handler } = (await import(
      '#functions/template/handler'
    )) as typeof import('#functions/template/handler');
    const event = batchEvent([{ greeting: 'hello' }, { greeting: '' }], { subscription: 'template' });

    // Act
    const result = await handler(event, lambdaContext());

    // Assess
    expect(loaded.definition.subscriptions).toHaveLength(1);
    expect(result.batchItemFailures).toEqual([
      {
        itemIdentifier: event.messages[1]?.id,
        action: 'deadLetter',
        reason: expect.stringMatching(/greeting/),
      },
    ]);
  });
});
