import { describe, expect, it } from 'vitest';
import { encodeBody, nsqBatchEventSchema } from '#shared/contract/batch-event';
import {
  CLAIM_CHECK_VERSION,
  claimCheckEntryBytes,
  claimCheckKey,
  normalizeClaimCheckPrefix,
} from '#shared/contract/claim-check';
import { claimCheckMismatch, claimCheckPointer, sha256Hex } from '#shared/contract/claim-check-digest';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('claim check keys', () => {
  it.each([
    ['claim-checks/', 'claim-checks/'],
    ['claim-checks', 'claim-checks/'],
    ['/claim-checks/', 'claim-checks/'],
    ['a/b', 'a/b/'],
    ['', ''],
  ])('prefix %j normalizes to %j', (input, expected) => {
    expect(normalizeClaimCheckPrefix(input)).toBe(expected);
  });

  it('is the SHA-256 of the body under the prefix (content-addressed)', () => {
    expect(sha256Hex(new Uint8Array())).toBe(EMPTY_SHA256);
    const pointer = claimCheckPointer('bucket', 'claim-checks', Buffer.from('abc'));
    expect(pointer).toEqual({
      version: CLAIM_CHECK_VERSION,
      bucket: 'bucket',
      key: 'claim-checks/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      sizeBytes: 3,
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
    expect(claimCheckPointer('bucket', 'claim-checks', Buffer.from('abc')).key).toBe(pointer.key);
    expect(claimCheckPointer('bucket', 'claim-checks', Buffer.from('abd')).key).not.toBe(pointer.key);
  });

  it('refuses a key from something that is not a SHA-256 digest', () => {
    expect(() => claimCheckKey('p/', '../etc')).toThrow(/not a SHA-256/);
  });
});

describe('claimCheckEntryBytes', () => {
  it.each([0, 7, 7 * 1024 * 1024, 123_456_789])('matches the pointer text for a %i-byte body', (size) => {
    const pointer = { ...claimCheckPointer('my-bucket', 'claim-checks/', Buffer.from('x')), sizeBytes: size };
    expect(claimCheckEntryBytes('my-bucket', 'claim-checks/', size)).toBe(
      Buffer.byteLength(`,"claimCheck":${JSON.stringify(pointer)}`),
    );
  });
});

describe('claimCheckMismatch', () => {
  const body = Buffer.from('the original bytes');
  const pointer = claimCheckPointer('b-1', 'claim-checks/', body);

  it('accepts exactly the original bytes', () => {
    expect(claimCheckMismatch(pointer, Buffer.from(body))).toBeUndefined();
  });

  it('names a size or digest mismatch', () => {
    expect(claimCheckMismatch(pointer, body.subarray(1))).toMatch(/holds 17 bytes, the pointer says 18/);
    const flipped = Buffer.from(body);
    flipped[0] = (flipped[0] as number) ^ 1;
    expect(claimCheckMismatch(pointer, flipped)).toMatch(/has SHA-256 [0-9a-f]{64}, the pointer says/);
  });
});

describe('the batch event with claim checks', () => {
  const base = {
    id: '0123456789abcdef',
    attempts: 1,
    timestampMs: 1,
    topic: 't',
    channel: 'c',
    nsqdAddress: '127.0.0.1:4150',
  };
  const event = (messages: unknown[]) => ({
    version: 1,
    source: 'nsq-lambda',
    batchId: 'b',
    subscription: 's',
    messages,
  });
  const pointer = claimCheckPointer('bucket', 'claim-checks/', Buffer.from('big'));

  it('accepts a claim-checked entry (empty body) next to an inline one', () => {
    const parsed = nsqBatchEventSchema.safeParse(
      event([
        { ...base, body: '', claimCheck: pointer },
        { ...base, id: 'fedcba9876543210', body: encodeBody('small') },
      ]),
    );
    expect(parsed.success).toBe(true);
  });

  it.each([
    ['a body next to the pointer', { body: encodeBody('x'), claimCheck: pointer }, 'messages.0.body'],
    [
      'an unknown pointer version',
      { body: '', claimCheck: { ...pointer, version: 2 } },
      'messages.0.claimCheck.version',
    ],
    [
      'a key field missing',
      { body: '', claimCheck: { ...pointer, key: undefined } },
      'messages.0.claimCheck.key',
    ],
    [
      'a digest that is not hex',
      { body: '', claimCheck: { ...pointer, sha256: 'x' } },
      'messages.0.claimCheck.sha256',
    ],
  ])('rejects %s', (_what, fields, path) => {
    const parsed = nsqBatchEventSchema.safeParse(event([{ ...base, ...fields }]));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
