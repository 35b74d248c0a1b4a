import { describe, expect, it } from 'vitest';
import { TrackedMessage } from '#bridge/delivery';
import { BridgeEventEmitter } from '#bridge/events';
import { TouchManager } from '#bridge/touch-manager';
import { FakeClock, FakeDelivery } from './fakes.ts';

function setup() {
  const clock = new FakeClock();
  const events = new BridgeEventEmitter();
  const near: string[] = [];
  events.on('message_near_max_timeout', (e) => near.push(e.id));
  const tm = new TouchManager({ clock, events, sweepIntervalMs: 250 });
  const add = (id: string, touchIntervalMs = 1000) => {
    const d = new FakeDelivery(id);
    const m = new TrackedMessage(d, 's', 't', 'c', clock.now());
    tm.track(m, touchIntervalMs);
    return { d, m };
  };
  return { clock, tm, add, near };
}

describe('TouchManager', () => {
  it('touches every unanswered message once per touch interval with one timer', () => {
    const { clock, tm, add } = setup();
    const a = add('a');
    const b = add('b');
    tm.start();
    clock.advance(999);
    expect(a.d.touches + b.d.touches).toBe(0);
    clock.advance(251);
    expect([a.d.touches, b.d.touches]).toEqual([1, 1]);
    clock.advance(1000);
    expect([a.d.touches, b.d.touches]).toEqual([2, 2]);
    tm.stop();
  });

  it('never touches an answered message and forgets it', () => {
    const { clock, tm, add } = setup();
    const a = add('a');
    tm.start();
    a.m.finish();
    clock.advance(5000);
    expect(a.d.touches).toBe(0);
    expect(tm.size).toBe(0);
  });

  it('warns once when nsqd --max-msg-timeout is near and stops touching past it', () => {
    const { clock, tm, add, near } = setup();
    const a = add('a');
    a.d.hardMs = 1500;
    tm.start();
    clock.advance(1250);
    clock.advance(1000);
    expect(near).toEqual(['a']);
    a.d.hardMs = null;
    const before = a.d.touches;
    clock.advance(3000);
    expect(a.d.touches).toBe(before);
  });
});
