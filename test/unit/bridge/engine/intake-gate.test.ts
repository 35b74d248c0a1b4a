import { describe, expect, it } from 'vitest';
import { IntakeGate, type PauseReason } from '#bridge/engine/intake-gate';
import { BridgeEventEmitter } from '#bridge/events';

describe('IntakeGate', () => {
  it('pauses on the first reason and resumes only when the last one goes', () => {
    const calls: string[] = [];
    const events = new BridgeEventEmitter();
    events.on('paused', (e) => calls.push(`event paused ${e.reason}`));
    events.on('resumed', () => calls.push('event resumed'));
    const gate = new IntakeGate(
      { pause: () => calls.push('RDY 0'), resume: () => calls.push('RDY on') },
      events,
      'orders',
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
    for (const [reason, paused] of steps) gate.set(reason, paused);
    expect(calls).toEqual([
      'RDY 0',
      'event paused rateLimit',
      'event paused toggle',
      'event paused rateLimit',
      'RDY on',
      'event resumed',
    ]);
    expect(gate.paused).toBe(false);
  });

  it('a failing pause is reported, not thrown', () => {
    const events = new BridgeEventEmitter();
    const errors: string[] = [];
    events.on('error', (e) => errors.push(e.error.message));
    const gate = new IntakeGate(
      {
        pause: () => {
          throw new Error('socket gone');
        },
        resume: () => {},
      },
      events,
      'orders',
    );
    gate.set('drain', true);
    expect(errors).toEqual(['socket gone']);
    expect(gate.paused).toBe(true);
  });
});
