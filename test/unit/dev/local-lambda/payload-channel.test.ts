import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PayloadReader } from '#dev/local-lambda/payload-channel';

/** Feeds `bytes` to a reader in pieces cut at `cuts`, and returns what it delivered for a `bytes.length` payload. */
function deliver(
  reader: PayloadReader,
  bytes: Buffer,
  cuts: readonly number[],
  takeFirst: boolean,
): string[] {
  const delivered: string[] = [];
  const take = () => reader.take(bytes.length, (text) => delivered.push(text));
  if (takeFirst) take();
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    reader.push(bytes.subarray(at, cut));
    at = cut;
  }
  reader.push(bytes.subarray(at));
  if (!takeFirst) take();
  return delivered;
}

describe('PayloadReader', () => {
  it("delivers each payload's text as Buffer#toString('utf8') gives it, however the pipe cuts the bytes", () => {
    // Bytes, not only valid UTF-8: a body's invalid sequences must read the same as the server decoded them.
    const bytesAndCuts = fc
      .uint8Array({ maxLength: 64 })
      .chain((raw) => fc.tuple(fc.constant(Buffer.from(raw)), fc.array(fc.nat({ max: raw.length }))));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(bytesAndCuts, fc.boolean()), { minLength: 1, maxLength: 4 }),
        (payloads) => {
          const reader = new PayloadReader();
          for (const [[bytes, cuts], takeFirst] of payloads)
            expect(deliver(reader, bytes, cuts, takeFirst)).toEqual([bytes.toString('utf8')]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('waits for the last byte before delivering', () => {
    const reader = new PayloadReader();
    const delivered: string[] = [];
    reader.take(4, (text) => delivered.push(text));
    reader.push(Buffer.from([0x7b, 0xe2, 0x82]));
    expect(delivered).toEqual([]);
    reader.push(Buffer.from([0xac]));
    expect(delivered).toEqual(['{€']);
  });

  it('delivers an empty payload at once', () => {
    const reader = new PayloadReader();
    const delivered: string[] = [];
    reader.take(0, (text) => delivered.push(text));
    expect(delivered).toEqual(['']);
  });

  it('refuses more bytes than the payload has (the pipe is out of step)', () => {
    const reader = new PayloadReader();
    reader.push(Buffer.from('{}{}'));
    expect(() => reader.take(2, () => {})).toThrow(/out of step: 4 bytes for a 2-byte payload/);
  });
});
