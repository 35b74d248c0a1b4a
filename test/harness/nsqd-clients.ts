import type { Nsqd } from '#dev/services/nsq';

/** What nsqd's /stats says about one consumer connection (the fields the tests read). */
export interface NsqdClientStats {
  readonly client_id: string;
  readonly ready_count: number;
  readonly in_flight_count: number;
  readonly finish_count: number;
  readonly tls: boolean;
  readonly tls_version?: string;
  readonly authed?: boolean;
  readonly auth_identity?: string;
}

/** The consumer connections nsqd lists for `topic`/`channel` (empty when the channel does not exist). */
export async function channelClients(nsqd: Nsqd, topic: string, channel: string): Promise<NsqdClientStats[]> {
  const query = new URLSearchParams({ format: 'json', include_clients: 'true', topic, channel });
  const res = await fetch(`http://${nsqd.httpAddress}/stats?${query}`);
  const body = (await res.json()) as {
    topics: Array<{
      topic_name: string;
      channels: Array<{ channel_name: string; clients: NsqdClientStats[] }>;
    }>;
  };
  return (
    body.topics.find((t) => t.topic_name === topic)?.channels.find((c) => c.channel_name === channel)
      ?.clients ?? []
  );
}
