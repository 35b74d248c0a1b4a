import { describe, expect, it } from 'vitest';
import { isRieFunctionError } from '#cli/invoke/invoke-rie';

describe('isRieFunctionError', () => {
  it.each([
    [200, '{"batchItemFailures":[]}', false],
    [200, 'null', false],
    [200, '"text"', false],
    [200, '{"errorType":"TypeError","errorMessage":"boom","trace":[]}', true],
    [200, '{"errorType":"Function.ResponseSizeTooLarge","errorMessage":"x"}', true],
    // The batch contract never is exactly an error object; an object with more keys is an answer.
    [200, '{"errorType":"x","batchItemFailures":[]}', false],
    [200, 'Task timed out after 2.00 seconds', true],
    [502, '{"errorType":"Runtime.ExitError","errorMessage":"RequestId: x Error: Runtime exited"}', true],
  ])('status %i, body %s → %s', (status, body, expected) => {
    expect(isRieFunctionError(status, body)).toBe(expected);
  });
});
