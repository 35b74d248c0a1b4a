import { describe, expect, it } from 'vitest';
import { idempotencyKeyOf } from '#bridge/http/idempotency-key';

const bytes = (s: string) => new Uint8Array(Buffer.from(s));

describe('idempotencyKeyOf', () => {
  it("is the event's batchId, halves included", () => {
    const id = '5993a837-3826-4636-ba2d-712357c21a85.a.1';
    expect(
      idempotencyKeyOf(
        bytes(`{"version":1,"source":"nsq-lambda","batchId":"${id}","subscription":"s","messages":[]}`),
      ),
    ).toBe(id);
  });

  it('falls back to the SHA-256 of the bytes: the same bytes, the same key', () => {
    const a = idempotencyKeyOf(bytes('{"other":true}'));
    expect(a).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(idempotencyKeyOf(bytes('{"other":true}'))).toBe(a);
    expect(idempotencyKeyOf(bytes('{"other":false}'))).not.toBe(a);
  });
});
