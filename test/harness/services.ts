import { afterAll } from 'vitest';
import { MinioServer } from '#dev/services/minio';
import { Nsqd, type NsqdOptions, Nsqlookupd, type NsqlookupdOptions } from '#dev/services/nsq';
import { RedisServer } from '#dev/services/redis';

export { waitFor, waitStable } from '#dev/services/wait';

interface Disposable {
  dispose(): Promise<void>;
}

/**
 * Starts real services for one test file and stops them in afterAll, even when tests fail.
 * Call it at the top level of a test file:
 *
 *   const services = useServices();
 *   const nsqd = await services.nsqd();
 */
export function useServices() {
  const owned: Disposable[] = [];
  const own = <T extends Disposable>(d: T): T => {
    owned.push(d);
    return d;
  };
  afterAll(async () => {
    await Promise.allSettled(
      owned
        .splice(0)
        .reverse()
        .map((d) => d.dispose()),
    );
  });
  return {
    nsqd: async (options?: NsqdOptions) => own(await Nsqd.start(options)),
    nsqlookupd: async (options?: NsqlookupdOptions) => own(await Nsqlookupd.start(options)),
    redis: async () => own(await RedisServer.start()),
    minio: async () => own(await MinioServer.start()),
  };
}
