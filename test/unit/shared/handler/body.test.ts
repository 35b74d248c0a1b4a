import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { encodeBody } from '#shared/contract/batch-event';
import { readBody } from '#shared/handler/body';

const msg = (body: string | Uint8Array) => ({ body: encodeBody(body) });

describe('readBody', () => {
  it('reads bytes, text, JSON and schema-validated JSON', () => {
    expect(readBody(msg(new Uint8Array([0xff, 0])), 'bytes')).toEqual({
      ok: true,
      body: Buffer.from([0xff, 0]),
    });
    expect(readBody(msg('héllo'), 'text')).toEqual({ ok: true, body: 'héllo' });
    expect(readBody(msg('[1,2]'), 'json')).toEqual({ ok: true, body: [1, 2] });
    expect(readBody(msg('{"n":"3"}'), z.object({ n: z.coerce.number() }))).toEqual({
      ok: true,
      body: { n: 3 },
    });
  });

  it('explains why a body cannot be read', () => {
    expect(readBody(msg(new Uint8Array([0xff])), 'text')).toEqual({
      ok: false,
      reason: 'body is not valid UTF-8 (1 bytes)',
    });
    expect(readBody(msg('{'), 'json')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^body is not valid JSON: /),
    });
    expect(readBody(msg('{"a":1}'), z.object({ b: z.string() }).strict())).toEqual({
      ok: false,
      reason: expect.stringMatching(/^body failed validation: b: .*; \(root\): Unrecognized key/),
    });
  });
});
