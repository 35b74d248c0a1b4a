/**
 * An ephemeral channel (`ephemeral: true`, SUB `<channel>#ephemeral`) consumed for real, and deleted by
 * nsqd once the bridge disconnects.
 */
import { describe, expect, it } from 'vitest';
import { useServices, waitFor } from '#test/harness/services';
import { bodiesOf, eventOf, startBridge } from './bridge-harness.ts';

const services = useServices();

describe('ephemeral channel', () => {
  it('consumes from <channel>#ephemeral; after the bridge disconnects nsqd deletes the channel', async () => {
    const nsqd = await services.nsqd();
    const got: string[] = [];
    const bridge = await startBridge(
      nsqd,
      (call) => {
        got.push(...bodiesOf(eventOf(call.payload)));
        return { body: null };
      },
      { channel: 'live', ephemeral: true, maxMessages: 10 },
    );
    const { topic, channel } = bridge;
    expect(channel).toBe('live#ephemeral');
    const bodies = Array.from({ length: 20 }, (_, i) => `e${i}`);
    let finished = 0;
    bridge.events.on('message_finished', () => finished++);
    try {
      await nsqd.http.publishMany(topic, bodies);
      await waitFor(() => finished === bodies.length, { what: '20 messages finished' });
      expect(got.sort()).toEqual([...bodies].sort());
      const stats = await nsqd.http.channelStats(topic, channel);
      expect(stats?.message_count).toBe(bodies.length);
      expect(stats?.client_count).toBe(1);
    } finally {
      await bridge.stop();
    }

    // The last consumer left: nsqd deletes the channel (the positive event: /stats stops listing it).
    await waitFor(
      async () => {
        const t = (await nsqd.http.stats({ topic })).topics.find((x) => x.topic_name === topic);
        return t !== undefined && t.channels.length === 0;
      },
      { what: `nsqd to delete ${topic}/${channel}`, timeoutMs: 10_000 },
    );
    // And it stays gone: with no channel left, a new message stays on the topic (a channel would take it).
    await nsqd.http.publish(topic, 'after the bridge left');
    const topicStats = await waitFor(
      async () => {
        const t = (await nsqd.http.stats({ topic })).topics.find((x) => x.topic_name === topic);
        return t && t.message_count === bodies.length + 1 ? t : undefined;
      },
      { what: 'the new message counted on the topic' },
    );
    expect(topicStats.channels).toHaveLength(0);
    expect(topicStats.depth).toBe(1);
  });
});
