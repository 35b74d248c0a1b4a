import { describe, expect, it } from 'vitest';
import { formatNumber, formatSpread, median, quantile, significant, spread } from '../../../bench/stats.ts';

describe('quantile', () => {
  it('interpolates between the closest ranks', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20, 30, 40, 50], 0.25)).toBe(20);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99)).toBeCloseTo(9.91, 10);
  });

  it('does not depend on the input order and leaves the input alone', () => {
    const input = [5, 1, 4, 2, 3];
    expect(quantile(input, 0.5)).toBe(3);
    expect(input).toEqual([5, 1, 4, 2, 3]);
  });

  it('gives the extremes at 0 and 1 and the only value of a single sample', () => {
    expect(quantile([3, 9, 1], 0)).toBe(1);
    expect(quantile([3, 9, 1], 1)).toBe(9);
    expect(quantile([7], 0.99)).toBe(7);
  });

  it('rejects an empty list and a quantile outside [0, 1]', () => {
    expect(() => quantile([], 0.5)).toThrow(/empty/);
    expect(() => quantile([1], 1.5)).toThrow(/within \[0, 1\]/);
    expect(() => quantile([1], Number.NaN)).toThrow(/within \[0, 1\]/);
  });
});

describe('spread', () => {
  it('summarises median, min, max and count, ignoring non-finite values', () => {
    expect(spread([3, 1, 2, Number.NaN])).toEqual({ median: 2, min: 1, max: 3, count: 3 });
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('is undefined when nothing was measured', () => {
    expect(spread([])).toBeUndefined();
    expect(spread([Number.NaN])).toBeUndefined();
  });
});

describe('formatting', () => {
  it('keeps three significant digits below 1,000 and whole numbers with separators above', () => {
    expect(significant(0.0123456)).toBe(0.0123);
    expect(formatNumber(12_345.6)).toBe('12,346');
    expect(formatNumber(1.23456)).toBe('1.23');
    expect(formatNumber(undefined)).toBe('–');
    expect(formatNumber(Number.NaN)).toBe('–');
  });

  it('prints median (min–max), or the median alone for one run or no spread', () => {
    expect(formatSpread({ median: 20_000, min: 18_000.4, max: 21_000, count: 3 })).toBe(
      '20,000 (18,000–21,000)',
    );
    expect(formatSpread({ median: 5, min: 5, max: 5, count: 3 })).toBe('5');
    expect(formatSpread({ median: 5, min: 4, max: 6, count: 1 })).toBe('5');
    expect(formatSpread(undefined)).toBe('–');
  });
});
