/**
 * Discovery for real: two nsqlookupd, one topic on two nsqd (each registered with a different lookupd),
 * consumed by the real bridge through lookupd only. The lookupd request log (`--log-level=info` logs
 * every HTTP request with microsecond timestamps) is the measurement of the bridge's poll spacing.
 */
import { describe, expect, it } from 'vitest';
import type { Nsqd, Nsqlookupd } from '#dev/services/nsq';
import { channelClients } from '#test/harness/nsqd-clients';
import { useServices, waitFor } from '#test/harness/services';
import { type InProcessBridge, startBridge } from './bridge-harness.ts';

const services = useServices();
const POLL_MS = 1_000;

/** The times (ms, microsecond precision) at which `lookupd` answered `/lookup?topic=<topic>`. */
function lookupTimes(lookupd: Nsqlookupd, topic: string): number[] {
  const times: number[] = [];
  const line =
    /(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6}) INFO: \d{3} GET \/lookup\?topic=([^ &]+) /;
  for (const text of lookupd.output().split('\n')) {
    const m = line.exec(text);
    if (!m || decodeURIComponent(m[8] ?? '') !== topic) continue;
    const [, y, mo, d, h, mi, s, us] = m.map(Number) as number[];
    times.push(Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s) + (us ?? 0) / 1000);
  }
  return times;
}

/**
 * Waits until the bridge has finished `total` messages and each nsqd has counted the FINs of the
 * `sinceStart` messages it received since it last started (message_finished is emitted as the FIN is
 * written; nsqd counts it a moment later), then checks that each channel holds nothing.
 */
async function consumedEverywhere(
  bridge: InProcessBridge,
  finished: () => number,
  total: number,
  sinceStart: ReadonlyMap<Nsqd, number>,
) {
  await waitFor(() => finished() >= total, { what: `${total} messages finished`, timeoutMs: 20_000 });
  for (const [nsqd, count] of sinceStart) {
    await waitFor(
      async () => {
        const clients = await channelClients(nsqd, bridge.topic, bridge.channel);
        return clients.reduce((n, c) => n + c.finish_count, 0) === count;
      },
      { what: `${nsqd.tcpAddress} to count ${count} FINs` },
    );
    const stats = await nsqd.http.channelStats(bridge.topic, bridge.channel);
    expect(stats?.message_count).toBe(count);
    expect(stats?.depth).toBe(0);
    expect(stats?.in_flight_count).toBe(0);
  }
  expect(finished()).toBe(total);
}

describe('two nsqlookupd, one topic on two nsqd', () => {
  it('discovers both nsqd (the union of both lookupd), keeps consuming with one lookupd down, re-finds a restarted nsqd through the other, and jitters its polls', async () => {
    const lookupdA = await services.nsqlookupd({ args: ['--log-level=info'] });
    const lookupdB = await services.nsqlookupd({ args: ['--log-level=info'] });
    // nsqd1 is known only to lookupd A, nsqd2 only to lookupd B: finding both needs both answers.
    const nsqd1 = await services.nsqd({ lookupdTcpAddresses: [lookupdA.tcpAddress] });
    const nsqd2 = await services.nsqd({ lookupdTcpAddresses: [lookupdB.tcpAddress] });
    let finished = 0;
    const bridge = await startBridge(
      [nsqd1, nsqd2],
      () => ({ body: null }),
      {
        maxMessages: 10,
        nsqdTcpAddresses: [],
        lookupdHttpAddresses: [lookupdA.httpAddress, lookupdB.httpAddress],
      },
      {
        nsqdTcpAddresses: [],
        lookupdPollIntervalMs: POLL_MS,
        backlog: { intervalMs: 0, nsqdHttpAddresses: [] },
      },
    );
    try {
      const { topic } = bridge;
      bridge.events.on('message_finished', () => finished++);
      const connections = () => bridge.bridge.status.subscriptions[0]?.connections ?? 0;
      await waitFor(() => connections() === 2, { what: 'connected to both nsqd', timeoutMs: 15_000 });

      let total = 0;
      const sinceStart = new Map<Nsqd, number>([
        [nsqd1, 0],
        [nsqd2, 0],
      ]);
      const publish = async (n: number) => {
        for (const nsqd of [nsqd1, nsqd2]) {
          await nsqd.http.publishMany(
            topic,
            Array.from({ length: n }, (_, i) => `${nsqd.tcpAddress} ${i}`),
          );
          sinceStart.set(nsqd, (sinceStart.get(nsqd) ?? 0) + n);
          total += n;
        }
      };
      await publish(5);
      await consumedEverywhere(bridge, () => finished, total, sinceStart);

      // Lookupd A goes away: the bridge reports it (positive event) and keeps consuming from both nsqd,
      // including nsqd1, which only lookupd A knew about.
      const lookupErrors: string[] = [];
      bridge.events.on('error', (e) => lookupErrors.push(e.error.message));
      await lookupdA.stop();
      await waitFor(() => lookupErrors.some((m) => m.includes(lookupdA.httpAddress)), {
        what: 'the failed lookup of lookupd A reported',
      });
      await publish(5);
      await consumedEverywhere(bridge, () => finished, total, sinceStart);

      // The poll spacing, measured by lookupd B (up all along): at least 11 polls before anything else
      // (a lost nsqd) re-schedules one.
      const times = await waitFor(
        () => {
          const t = lookupTimes(lookupdB, topic);
          return t.length >= 11 ? t : undefined;
        },
        { what: '11 polls logged by lookupd B', timeoutMs: 30_000, intervalMs: 200 },
      );
      const intervals = times.slice(1).map((t, i) => t - (times[i] ?? t));
      const sorted = [...intervals].sort((a, b) => a - b);
      const min = sorted[0] ?? 0;
      const max = sorted.at(-1) ?? 0;
      const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
      const mean = intervals.reduce((a, b) => a + b, 0) / intervals.length;
      const sd = Math.sqrt(intervals.reduce((a, b) => a + (b - mean) ** 2, 0) / intervals.length);
      process.stdout.write(
        `lookupd poll intervals (ms, poll ${POLL_MS} ±20 %): n=${intervals.length} min=${min.toFixed(1)} median=${median.toFixed(1)} max=${max.toFixed(1)} spread=${(max - min).toFixed(1)} sd=${sd.toFixed(1)}\n`,
      );
      // Never a storm: a timer never fires early, and jitter is at most -20 %.
      expect(min).toBeGreaterThanOrEqual(POLL_MS * 0.8 - 20);
      expect(median).toBeGreaterThanOrEqual(POLL_MS * 0.8);
      expect(median).toBeLessThanOrEqual(POLL_MS * 1.2 + 100);
      // Non-degenerate: without jitter every interval would be ~1000 ms (spread of a few ms). Uniform jitter
      // of ±20 % over 10 intervals spreads them by under 100 ms with a probability of about 3e-5.
      expect(max - min).toBeGreaterThanOrEqual(100);
      expect(sd).toBeGreaterThanOrEqual(30);

      // nsqd2 (known only to lookupd B) restarts: its connection closes, and the bridge finds it again
      // through lookupd B alone (nsqjs itself does not redial lookupd-discovered nsqd).
      const disconnected: string[] = [];
      const reconnected: string[] = [];
      bridge.events.on('nsqd_disconnected', (e) => disconnected.push(e.address));
      bridge.events.on('nsqd_connected', (e) => reconnected.push(e.address));
      await nsqd2.restart();
      await waitFor(() => disconnected.length > 0 && reconnected.length > 0 && connections() === 2, {
        what: 'nsqd2 found again through lookupd B',
        timeoutMs: 20_000,
      });
      expect(disconnected).toEqual([nsqd2.tcpAddress]);
      expect(reconnected).toEqual([nsqd2.tcpAddress]);
      // nsqd2's counters restarted with it.
      sinceStart.set(nsqd2, 0);
      await publish(5);
      await consumedEverywhere(bridge, () => finished, total, sinceStart);
    } finally {
      await bridge.stop();
    }
  });

  it('starts with one lookupd unreachable: reports it and consumes through the other', async () => {
    const lookupd = await services.nsqlookupd();
    const nsqd = await services.nsqd({ lookupdTcpAddresses: [lookupd.tcpAddress] });
    // A privileged port nothing listens on: connection refused.
    const dead = '127.0.0.1:1';
    let finished = 0;
    const bridge = await startBridge(
      nsqd,
      () => ({ body: null }),
      { maxMessages: 10, nsqdTcpAddresses: [], lookupdHttpAddresses: [dead, lookupd.httpAddress] },
      {
        nsqdTcpAddresses: [],
        lookupdPollIntervalMs: POLL_MS,
        backlog: { intervalMs: 0, nsqdHttpAddresses: [] },
      },
    );
    try {
      const errors: string[] = [];
      bridge.events.on('error', (e) => errors.push(e.error.message));
      bridge.events.on('message_finished', () => finished++);
      await nsqd.http.publishMany(bridge.topic, ['x', 'y', 'z']);
      await consumedEverywhere(bridge, () => finished, 3, new Map([[nsqd, 3]]));
      await waitFor(() => errors.some((m) => m.includes(dead)), { what: 'the unreachable lookupd reported' });
    } finally {
      await bridge.stop();
    }
  });
});
