import { describe, expect, it } from 'vitest';
import { rewriteScriptFlags, ScriptShaMap, sha1Hex } from '#dev/local-upstash/scripts';

describe('rewriteScriptFlags', () => {
  it('drops allow-key-locking and keeps other flags and the line count', () => {
    // Act
    const only = rewriteScriptFlags('#!lua flags=allow-key-locking\nreturn 1');
    const mixed = rewriteScriptFlags('#!lua flags=no-writes,allow-key-locking\r\nreturn 1');

    // Assess
    expect(only).toBe('#!lua\nreturn 1');
    expect(mixed).toBe('#!lua flags=no-writes\r\nreturn 1');
  });

  it('leaves scripts without the flag untouched', () => {
    expect(rewriteScriptFlags('return 1')).toBe('return 1');
    expect(rewriteScriptFlags('#!lua flags=no-writes\nreturn 1')).toBe('#!lua flags=no-writes\nreturn 1');
  });
});

describe('ScriptShaMap', () => {
  it('maps the original hash to the rewritten one, case-insensitively', () => {
    // Prepare
    const map = new ScriptShaMap();
    const script = '#!lua flags=allow-key-locking\nreturn 1';

    // Act
    const prepared = map.prepare(script);

    // Assess
    expect(prepared.originalSha).toBe(sha1Hex(script));
    expect(map.translate(prepared.originalSha.toUpperCase())).toBe(sha1Hex('#!lua\nreturn 1'));
    expect(map.translate('0'.repeat(40))).toBe('0'.repeat(40));
  });
});
