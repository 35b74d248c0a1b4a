/**
 * docs/edge.md shows real files: every ```ts block headed by a docs/snippets/edge path equals that file
 * (tsc compiles docs/), every such file appears, and the verification snippet accepts exactly what the
 * bridge's signer (shared/edge/signature.ts) produces.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signRequest } from '#shared/edge/signature';
import { verifyNsqLambdaSignature } from '../../../docs/snippets/edge/verify-signature.ts';

const root = join(import.meta.dirname, '../../..');
const doc = readFileSync(join(root, 'docs/edge.md'), 'utf8');

describe('docs/edge.md', () => {
  it('shows every edge snippet exactly as the compiled file', () => {
    const blocks = [...doc.matchAll(/```ts\n\/\/ (docs\/snippets\/edge\/[a-z0-9-]+\.ts)\n([\s\S]*?)\n```/g)];
    const files = readdirSync(join(root, 'docs/snippets/edge')).filter((f) => f.endsWith('.ts'));
    expect(blocks.map(([, path]) => path).sort()).toEqual(files.map((f) => `docs/snippets/edge/${f}`).sort());
    for (const [, path, code] of blocks) {
      expect(code, path).toBe(readFileSync(join(root, path ?? ''), 'utf8').trimEnd());
    }
  });
});

describe('the verification snippet', () => {
  const body = new TextEncoder().encode('{"version":1,"source":"nsq-lambda"}');
  const now = 1_800_000_000;

  it.each([
    ['the signature the bridge sends', ['s'], ['s'], 0, body, true],
    ['either secret during a rotation', ['new', 'old'], ['old'], 0, body, true],
    ['a signature 300 s old', ['s'], ['s'], -300, body, true],
    ['a signature 301 s old', ['s'], ['s'], -301, body, false],
    ['a signature 301 s ahead', ['s'], ['s'], 301, body, false],
    ['another secret', ['other'], ['s'], 0, body, false],
    ['a tampered body', ['s'], ['s'], 0, new TextEncoder().encode('{"version":2}'), false],
  ] as const)('%s → %s', async (_name, signWith, holds, skewSec, received, expected) => {
    const header = await signRequest(signWith, body, now + skewSec);
    expect(await verifyNsqLambdaSignature(header, received, holds, now)).toBe(expected);
  });

  it('refuses a missing or malformed header', async () => {
    expect(await verifyNsqLambdaSignature(null, body, ['s'], now)).toBe(false);
    expect(await verifyNsqLambdaSignature('t=abc,v1=00', body, ['s'], now)).toBe(false);
    expect(await verifyNsqLambdaSignature(`t=${now}`, body, ['s'], now)).toBe(false);
  });
});
