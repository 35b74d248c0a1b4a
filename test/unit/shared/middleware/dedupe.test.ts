import { describe, expect, it } from 'vitest';
import { dedupeRedisKey } from '#shared/middleware/dedupe';

describe('dedupeRedisKey', () => {
  it('keeps short printable keys and hashes long or odd ones', async () => {
    expect(await dedupeRedisKey('p:', 'https://a.example/x')).toBe('p:https://a.example/x');
    expect(await dedupeRedisKey('p:', 'with space')).toMatch(/^p:sha256:[0-9a-f]{64}$/);
  });

  it('hashes with SHA-256 of the UTF-8 key, as the node:crypto version did (keys stay stable)', async () => {
    expect(await dedupeRedisKey('p:', 'x'.repeat(201))).toBe(
      'p:sha256:84a0678c90937f5dcf9994d5866668da6b995109c8ad845410559b48a4ecafed',
    );
  });
});
