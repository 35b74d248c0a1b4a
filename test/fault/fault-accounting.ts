/**
 * The accounting every fault scenario ends with, whatever the target (Lambda or edge): nothing lost,
 * nothing invented (processed ∪ dead-lettered = published), poison dead-lettered and never run, a reason on
 * every dead letter, and every processed message's side effect exactly once (dedupe on).
 */
import { expect } from 'vitest';
import type { FaultReport } from './fault-scenario.ts';

export function expectEveryMessageAccounted(report: FaultReport, functionName: string): void {
  expect(report.lost).toEqual([]);
  expect(report.unknown).toEqual([]);
  for (const n of report.poison) {
    expect(report.deadLettered.has(n)).toBe(true);
    expect(report.processed.has(n)).toBe(false);
  }
  for (const r of report.records) {
    expect(r.reason.trim()).not.toBe('');
    expect(r.functionName).toBe(functionName);
  }
  expect(report.missingSideEffects).toEqual([]);
  expect(report.duplicateSideEffects).toEqual([]);
}
