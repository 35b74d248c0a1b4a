import { describe, expect, it } from 'vitest';
import { toggleSettingsSchema } from '#shared/config/subscription';
import { batchEvent, finish, NsqBatch } from '#shared/handler';
import { applyToggle } from '#shared/middleware/toggle';

const settings = (input: object) => toggleSettingsSchema.parse(input);

describe('applyToggle', () => {
  it('leaves messages others decided alone and counts drops and unknown readings', () => {
    // Prepare
    const batch = NsqBatch.of(batchEvent(['a', 'b']));
    const [a, b] = batch.messages.map((m) => m.id) as [string, string];
    batch.decide(a, finish(), 'validation');

    // Act
    const decision = applyToggle(batch, 'unknown', settings({ policy: 'drop', failMode: 'closed' }));

    // Assess
    expect(decision).toBe('stopped');
    expect(batch.decision(a)?.by).toBe('validation');
    expect(batch.decision(b)).toEqual({ outcome: { kind: 'finish' }, by: 'toggle' });
    expect(Object.fromEntries(batch.events)).toEqual({ ToggleUnknown: 1, ToggleDropped: 1 });
  });

  it('does nothing while started', () => {
    const batch = NsqBatch.of(batchEvent(['a']));
    expect(applyToggle(batch, 'started', settings({}))).toBe('run');
    expect(batch.pending()).toHaveLength(1);
  });
});
