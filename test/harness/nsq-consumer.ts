import { Reader, type ReaderConnectionConfigOptions } from 'nsqjs';

export interface ReceivedMessage {
  readonly id: string;
  readonly body: Buffer;
  readonly attempts: number;
}

/**
 * A bare nsqjs reader for tests: FINs every message on receipt and collects it. Not the bridge.
 */
export async function collectMessages(
  options: {
    topic: string;
    channel: string;
    count: number;
    timeoutMs?: number;
  } & ReaderConnectionConfigOptions,
): Promise<ReceivedMessage[]> {
  const { topic, channel, count, timeoutMs = 10_000, ...readerOptions } = options;
  const reader = new Reader(topic, channel, { maxInFlight: 100, ...readerOptions });
  const received: ReceivedMessage[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`received ${received.length} of ${count} messages in ${timeoutMs} ms`)),
        timeoutMs,
      );
      reader.on('error', reject);
      reader.on('message', (msg) => {
        received.push({ id: msg.id, body: Buffer.from(msg.body), attempts: msg.attempts });
        msg.finish();
        if (received.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      });
      reader.connect();
    });
    // Let the last FINs reach the socket before closing.
    await new Promise((r) => setImmediate(r));
  } finally {
    reader.close();
  }
  return received;
}
