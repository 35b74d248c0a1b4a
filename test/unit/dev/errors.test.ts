import { describe, expect, it } from 'vitest';
import { RequestError, StackError, UnhandledPromiseRejection } from '#dev/errors';

describe('dev errors', () => {
  it('StackError lists every problem and keeps a cause', () => {
    const cause = new Error('port taken');
    const err = new StackError(['port 4150 is in use', 'minio is missing'], { cause });
    expect(err.name).toBe('StackError');
    expect(err.message).toBe('cannot start the local stack:\n  - port 4150 is in use\n  - minio is missing');
    expect(err.problems).toHaveLength(2);
    expect(err.cause).toBe(cause);
  });

  it('RequestError carries the HTTP status it answers with', () => {
    const err = new RequestError(413, 'ERR request body exceeds 10 bytes');
    expect(err.name).toBe('RequestError');
    expect(err.status).toBe(413);
    expect(err.message).toBe('ERR request body exceeds 10 bytes');
  });

  it('UnhandledPromiseRejection keeps the reason as context and cause, named as aws-lambda-ric names it', () => {
    const reason = new RangeError('late');
    const err = new UnhandledPromiseRejection(reason);
    expect(err.name).toBe('Runtime.UnhandledPromiseRejection');
    expect(err.message).toBe('RangeError: late');
    expect(err.reason).toBe(reason);
    expect(err.cause).toBe(reason);
    expect(err.stack?.split('\n')[0]).toBe('Runtime.UnhandledPromiseRejection: RangeError: late');
  });
});
