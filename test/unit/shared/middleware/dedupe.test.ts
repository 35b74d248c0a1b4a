import { describe, expect, it } from 'vitest';
import { dedupeRedisKey } from '#shared/middleware/dedupe';

describe('dedupeRedisKey', () => {
  it('keeps short printable keys and hashes long or odd ones', () => {
    expect(dedupeRedisKey('p:', 'https://a.example/x')).toBe('p:https://a.example/x');
    expect(dedupeRedisKey('p:', 'x'.repeat(201))).toMatch(/^p:sha256:[0-9a-f]{64}$/);
    expect(dedupeRedisKey('p:', 'with space')).toMatch(/^p:sha256:/);
  });
});
