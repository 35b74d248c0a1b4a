import { describe, expect, it } from 'vitest';
import type { BacklogReading } from '#bridge/backlog/backlog-reading';
import { BridgeEventEmitter } from '#bridge/events';
import { startIdleExit } from '#bridge/idle/idle-exit';
import type { ServiceCount } from '#shared/clients/ecs-service';

const empty: BacklogReading = {
  subscription: 'orders',
  depth: 0,
  deferred: 3,
  inFlight: 0,
  backlog: 3,
  nsqdRead: 1,
  errors: [],
  channelMissing: false,
};

/** A fake behind our own port: records the counts set, fails while `failing`. */
function fakeService() {
  const set: number[] = [];
  const service: ServiceCount & { set: number[]; failing: boolean } = {
    set,
    failing: false,
    desiredCount: async () => set.at(-1) ?? 1,
    async setDesiredCount(n) {
      if (this.failing) throw new Error('AccessDenied');
      set.push(n);
    },
  };
  return service;
}

function setup(service = fakeService()) {
  let now = 0;
  const exits: string[] = [];
  const errors: Error[] = [];
  const events = new BridgeEventEmitter();
  const idle = startIdleExit({
    afterMs: 1_000,
    subscriptions: ['orders'],
    events,
    held: () => 0,
    service,
    now: () => now,
    exit: (reason) => exits.push(reason),
    onError: (e) => errors.push(e),
  });
  return { idle, service, exits, errors, events, at: (ms: number) => (now = ms) };
}

describe('startIdleExit', () => {
  it('scales the service to 0, then exits, after a quiet afterMs (deferred messages do not count)', async () => {
    const { idle, service, exits, at, events } = setup();
    const checks: { quietForMs: number }[] = [];
    events.on('idle_checked', (c) => checks.push(c));
    at(0);
    await idle.observe([empty]);
    at(999);
    await idle.observe([empty]);
    expect(exits).toEqual([]);
    at(1_000);
    await idle.observe([empty]);
    expect(service.set).toEqual([0]);
    expect(exits).toEqual(['idle for 1000 ms: nothing held, nothing to read']);
    expect(checks.map((c) => c.quietForMs)).toEqual([0, 999, 1_000]);
  });

  it('stays up when scaling to 0 fails, and tries again at the next check', async () => {
    const s = setup();
    s.service.failing = true;
    s.at(0);
    await s.idle.observe([empty]);
    s.at(1_000);
    await s.idle.observe([empty]);
    expect(s.exits).toEqual([]);
    expect(s.errors.map((e) => e.message)).toEqual(['AccessDenied']);
    s.service.failing = false;
    s.at(1_250);
    await s.idle.observe([empty]);
    expect(s.exits).toHaveLength(1);
  });

  it('a message received between two checks restarts the quiet period', async () => {
    const s = setup();
    s.at(0);
    await s.idle.observe([empty]);
    s.events.emit('message_received', { subscription: 'orders', id: 'a', attempts: 1, bytes: 1 });
    s.at(1_000);
    await s.idle.observe([empty]);
    // The quiet period starts at the first quiet check after the activity (1_250).
    s.at(1_250);
    await s.idle.observe([empty]);
    s.at(2_249);
    await s.idle.observe([empty]);
    expect(s.exits).toEqual([]);
    s.at(2_250);
    await s.idle.observe([empty]);
    expect(s.exits).toHaveLength(1);
  });

  it('a failed nsqd read is never quiet', async () => {
    const s = setup();
    const failed = { ...empty, errors: [new Error('refused')] };
    for (const ms of [0, 1_000, 2_000, 3_000]) {
      s.at(ms);
      await s.idle.observe([failed]);
    }
    expect(s.exits).toEqual([]);
    expect(s.idle.watch.state.busy).toBe('orders: backlog read incomplete');
  });
});
