import { describe, expect, it } from 'vitest';
import { IntakeGate, type PauseReason } from '#bridge/engine/intake-gate';

describe('IntakeGate', () => {
  it('pauses on the first reason and resumes only when the last one goes', () => {
    const calls: string[] = [];
    const gate = new IntakeGate(
      () => calls.push('pause'),
      () => calls.push('resume'),
    );
    const steps: [PauseReason, boolean][] = [
      ['rateLimit', true],
      ['toggle', true],
      ['rateLimit', false],
      ['rateLimit', true],
      ['toggle', false],
      ['rateLimit', false],
      ['rateLimit', false],
    ];
    const changed = steps.map(([reason, paused]) => gate.set(reason, paused));
    expect(changed).toEqual([true, false, false, false, false, true, false]);
    expect(calls).toEqual(['pause', 'resume']);
    expect(gate.paused).toBe(false);
  });
});
