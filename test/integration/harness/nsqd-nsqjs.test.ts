import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { waitChannelIdle, waitChannelSettled } from '#test/harness/nsq-channel';
import { collectMessages } from '#test/harness/nsq-consumer';
import { useServices } from '#test/harness/services';

const services = useServices();

describe('real nsqd with nsqjs', () => {
  it('delivers binary and UTF-8 bodies byte-exact through /pub and /mpub', async () => {
    // Prepare
    const nsqd = await services.nsqd();
    const topic = 'bytes';
    await nsqd.http.createTopic(topic);
    await nsqd.http.createChannel(topic, 'c');
    const binary = [randomBytes(1024), Buffer.from([0, 10, 13, 255, 0, 10]), randomBytes(70_000)];
    const text = ['héllo wörld ✓', 'line one\nline two\r\n', '🙂 emoji and \u0000 nul'];
    const all = [...binary, ...text.map((t) => Buffer.from(t, 'utf8'))];

    // Act
    await nsqd.http.publish(topic, binary[0] as Buffer);
    await nsqd.http.publish(topic, text[0] as string);
    await nsqd.http.publishMany(topic, [...binary.slice(1), ...text.slice(1)]);
    const received = await collectMessages({
      topic,
      channel: 'c',
      count: all.length,
      nsqdTCPAddresses: [nsqd.tcpAddress],
    });

    // Assess
    const hex = (b: Buffer) => b.toString('hex');
    expect(received.map((m) => hex(m.body)).sort()).toEqual(all.map(hex).sort());
    expect(received.every((m) => m.attempts === 1)).toBe(true);
    // The consumer is gone (nsqd forgot its FIN count): every body was seen, now the channel must settle.
    const stats = await waitChannelIdle(nsqd, topic, 'c', 20_000, { finished: 'uncounted' });
    expect(stats.message_count).toBe(all.length);
    expect(stats.requeue_count).toBe(0);
  });

  it('reports depth before a consumer connects', async () => {
    const nsqd = await services.nsqd();
    await nsqd.http.createTopic('depth');
    await nsqd.http.createChannel('depth', 'c');
    await nsqd.http.publishMany('depth', ['a', 'b', 'c']);
    // nsqd copies from the topic to its channels after the publish has answered: wait for the count.
    const stats = await waitChannelSettled(nsqd, 'depth', 'c', (s) => s.depth === 3, { what: 'depth 3' });
    expect(stats.depth).toBe(3);
    expect(stats.in_flight_count).toBe(0);
    expect(stats.message_count).toBe(3);
  });

  it('keeps messages across a clean restart', async () => {
    const nsqd = await services.nsqd();
    await nsqd.http.createTopic('durable');
    await nsqd.http.createChannel('durable', 'c');
    await nsqd.http.publishMany('durable', ['1', '2']);
    const pidBefore = nsqd.pid;
    await nsqd.restart();
    expect(nsqd.pid).not.toBe(pidBefore);
    const stats = await waitChannelSettled(nsqd, 'durable', 'c', (s) => s.depth === 2, { what: 'depth 2' });
    expect(stats.depth).toBe(2);
  });
});
