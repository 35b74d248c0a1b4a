import { describe, expect, it } from 'vitest';
import { CliError } from '#cli/errors';
import { formatTime, parseDurationMs, parsePositiveInt, parseTimeArg } from '#cli/lib/time';

describe('time arguments', () => {
  it('parses durations with units', () => {
    expect(parseDurationMs('250ms', 'x')).toBe(250);
    expect(parseDurationMs('1.5s', 'x')).toBe(1500);
    expect(parseDurationMs('2h', 'x')).toBe(7_200_000);
    expect(parseDurationMs('7d', 'x')).toBe(604_800_000);
    expect(() => parseDurationMs('2 hours', '--since')).toThrow(/--since: "2 hours" is not a duration/);
  });

  it('parses a time as a duration ago, an ISO time or epoch ms', () => {
    const now = Date.parse('2026-11-27T12:00:00Z');
    expect(parseTimeArg('2h', now, 'x')).toBe(now - 7_200_000);
    expect(parseTimeArg('2026-11-27T10:00:00Z', now, 'x')).toBe(Date.parse('2026-11-27T10:00:00Z'));
    expect(parseTimeArg('1790000000000', now, 'x')).toBe(1_790_000_000_000);
    const err = (() => {
      try {
        parseTimeArg('yesterday', now, '--until');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(3);
  });

  it('rejects non-positive counts and formats times without milliseconds', () => {
    expect(parsePositiveInt('10', 'x')).toBe(10);
    expect(() => parsePositiveInt('0', '--limit')).toThrow(/--limit/);
    expect(() => parsePositiveInt('1.5', '--limit')).toThrow(/integer/);
    expect(formatTime(Date.parse('2026-11-27T10:00:00.123Z'))).toBe('2026-11-27T10:00:00Z');
  });
});
