/** The waker's depth reading against a real nsqlookupd and nsqd; the ECS side is a fake behind our port. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Nsqd, Nsqlookupd } from '#dev/services/nsq';
import { type WakerConfig, wake, wakerConfigSchema } from '#infra/functions/bridge-waker/wake';
import type { ServiceCount } from '#shared/clients/ecs-service';
import { useServices, waitFor } from '#test/harness/services';

const services = useServices();
let lookupd: Nsqlookupd;
let nsqd: Nsqd;

beforeAll(async () => {
  lookupd = await services.nsqlookupd();
  nsqd = await services.nsqd({ lookupdTcpAddresses: [lookupd.tcpAddress] });
});

function fakeService(desired: number): ServiceCount & { set: number[] } {
  const set: number[] = [];
  return {
    set,
    desiredCount: async () => set.at(-1) ?? desired,
    setDesiredCount: async (n) => {
      set.push(n);
    },
  };
}

function config(topic: string, channel = 'bridge'): WakerConfig {
  return wakerConfigSchema.parse({
    lookupdHttpAddresses: [lookupd.httpAddress],
    subscriptions: [{ name: `${topic}-sub`, topic, channel }],
  });
}

async function registered(topic: string) {
  await waitFor(async () => (await lookupd.producers(topic)).length > 0, { what: `lookupd knows ${topic}` });
}

describe('the bridge waker', () => {
  it('leaves a stopped service alone when no message waits', async () => {
    await nsqd.http.createTopic('waker-empty');
    await nsqd.http.createChannel('waker-empty', 'bridge');
    await registered('waker-empty');
    const service = fakeService(0);
    const result = await wake(config('waker-empty'), service);
    expect(result).toEqual({ action: 'idle', depth: { 'waker-empty-sub': 0 }, errors: [] });
    expect(service.set).toEqual([]);
  });

  it('sets desired count 0 → 1 when the channel has depth', async () => {
    await nsqd.http.createTopic('waker-depth');
    await nsqd.http.createChannel('waker-depth', 'bridge');
    await nsqd.http.publishMany('waker-depth', ['a', 'b', 'c']);
    await registered('waker-depth');
    const service = fakeService(0);
    const result = await wake(config('waker-depth'), service);
    expect(result).toEqual({ action: 'woken', depth: { 'waker-depth-sub': 3 }, errors: [] });
    expect(service.set).toEqual([1]);
  });

  it('counts the topic depth before the bridge ever created its channel', async () => {
    await nsqd.http.publish('waker-new', 'first');
    await registered('waker-new');
    const service = fakeService(0);
    const result = await wake(config('waker-new'), service);
    expect(result.depth).toEqual({ 'waker-new-sub': 1 });
    expect(service.set).toEqual([1]);
  });

  it('never lowers a scaled-out service', async () => {
    await nsqd.http.publish('waker-busy', 'x');
    await registered('waker-busy');
    const service = fakeService(3);
    expect((await wake(config('waker-busy'), service)).action).toBe('running');
    expect(service.set).toEqual([]);
  });

  it('reports an unreachable nsqlookupd and wakes nothing', async () => {
    const service = fakeService(0);
    const result = await wake(
      wakerConfigSchema.parse({
        lookupdHttpAddresses: ['127.0.0.1:9'],
        subscriptions: [{ name: 's', topic: 'waker-depth', channel: 'bridge' }],
        requestTimeoutMs: 1_000,
      }),
      service,
    );
    expect(result.action).toBe('idle');
    expect(result.errors).toEqual([expect.stringMatching(/every nsqlookupd failed/)]);
    expect(service.set).toEqual([]);
  });
});
