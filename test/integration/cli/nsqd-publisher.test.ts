import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { nsqdPublisher } from '#cli/dlq/nsqd-publisher';
import { freePort } from '#dev/services/ports';
import { collectMessages } from '#test/harness/nsq-consumer';
import { useServices } from '#test/harness/services';

const services = useServices();
const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('nsqdPublisher', () => {
  it('publishes bytes as they are', async () => {
    const nsqd = await services.nsqd();
    const body = Buffer.from([0, 10, 13, 255, 128]);
    await nsqdPublisher(nsqd.httpAddress).publish('pub-bytes', body);
    const [got] = await collectMessages({
      topic: 'pub-bytes',
      channel: 'c',
      count: 1,
      nsqdTCPAddresses: [nsqd.tcpAddress],
    });
    expect(got?.body.equals(body)).toBe(true);
  });

  it('knows when a failed publish surely did not reach nsqd, and when it may have', async () => {
    const nsqd = await services.nsqd();
    const live = nsqdPublisher(nsqd.httpAddress);
    // nsqd answered an error: not published.
    const refusedByNsqd = await failure(live.publish('bad topic name', Buffer.from('x')));
    expect(live.certainlyNotPublished(refusedByNsqd)).toBe(true);
    // Nothing listens: not published.
    const closed = nsqdPublisher(`127.0.0.1:${await freePort()}`);
    expect(closed.certainlyNotPublished(await failure(closed.publish('t', Buffer.from('x'))))).toBe(true);
    // Accepted the request and never answered: it may have been published.
    const silent = createServer((socket) => socket.on('data', () => {}));
    servers.push(silent);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const hung = nsqdPublisher(`127.0.0.1:${(silent.address() as AddressInfo).port}`, {
      requestTimeoutMs: 300,
    });
    expect(hung.certainlyNotPublished(await failure(hung.publish('t', Buffer.from('x'))))).toBe(false);
  });
});
