/**
 * Sample traffic for `npm start`: a few messages per example function, including ones that show the
 * failure paths (a schema-invalid body is dead-lettered; a page the renderer reports missing is
 * dead-lettered; a busy page is requeued with Retry-After until its attempts run out).
 */
export interface SampleBatch {
  readonly topic: string;
  readonly bodies: readonly string[];
}

const json = (value: unknown) => JSON.stringify(value);

export function sampleMessages(functionNames: readonly string[]): SampleBatch[] {
  const batches: SampleBatch[] = [];
  if (functionNames.includes('template'))
    batches.push({
      topic: 'template',
      bodies: [
        ...Array.from({ length: 20 }, (_, i) => json({ greeting: `hello #${i + 1}` })),
        json({ greting: 'a typo: fails the schema, so it is dead-lettered' }),
      ],
    });
  if (functionNames.includes('template-edge'))
    batches.push({
      topic: 'template-edge',
      bodies: [
        ...Array.from({ length: 10 }, (_, i) => json({ greeting: `hello from the edge #${i + 1}` })),
        json({ greting: 'a typo: fails the schema, so it is dead-lettered' }),
      ],
    });
  if (functionNames.includes('html-backup'))
    batches.push({
      topic: 'html-backup',
      bodies: [
        ...Array.from({ length: 10 }, (_, i) => json({ url: `https://example.com/articles/${i + 1}` })),
        json({ url: 'https://example.com/articles/missing' }),
        json({ url: 'https://example.com/articles/busy' }),
      ],
    });
  if (functionNames.includes('cpu-heavy'))
    batches.push({
      topic: 'cpu-jobs',
      bodies: Array.from({ length: 4 }, (_, i) =>
        json({ seed: `sample-${i + 1}`, sizeBytes: 2 * 1024 * 1024 }),
      ),
    });
  return batches;
}
