import { describe, expect, it } from 'vitest';
import { toLambdaError } from '#dev/local-lambda/lambda-error';

describe('toLambdaError', () => {
  it('uses the error name, message and stack lines, as the Node.js runtime does', () => {
    class QuotaError extends Error {
      override name = 'QuotaError';
    }
    const error = toLambdaError(new QuotaError('over quota'));
    expect(error.errorType).toBe('QuotaError');
    expect(error.errorMessage).toBe('over quota');
    expect(error.trace?.[0]).toBe('QuotaError: over quota');
    expect(error.trace?.length).toBeGreaterThan(1);
    expect(error.stackTrace).toEqual(error.trace);
  });

  it('reports a thrown string with errorType "string"', () => {
    expect(toLambdaError('plain failure')).toEqual({
      errorType: 'string',
      errorMessage: 'plain failure',
      trace: [],
      stackTrace: [],
    });
  });

  it('describes any other thrown value and uses the fallback type', () => {
    expect(toLambdaError({ code: 42 }, 'Runtime.ImportModuleError')).toMatchObject({
      errorType: 'Runtime.ImportModuleError',
      errorMessage: expect.stringContaining('code: 42'),
    });
  });
});
