import { describe, expect, it } from 'vitest';
import { heapFlags } from '#dev/local-lambda/heap-flags';

// Lambda's Node.js bootstrap: new space = memory / 10 (two semi-spaces), old space = memory - new space.
describe('heapFlags', () => {
  it.each([
    [128, ['--max-semi-space-size=6', '--max-old-space-size=116']],
    [192, ['--max-semi-space-size=9', '--max-old-space-size=173']],
    [1024, ['--max-semi-space-size=51', '--max-old-space-size=922']],
    [10240, ['--max-semi-space-size=512', '--max-old-space-size=9216']],
  ])('%i MB → %o', (memoryMb, expected) => {
    expect(heapFlags(memoryMb)).toEqual(expected);
  });
});
