/**
 * The ports of `npm start` and the checks before anything starts: missing binaries, taken ports. The
 * defaults are fixed so the URLs are the same every run (the NSQ ones are NSQ's own defaults); with
 * --free-ports (the tests) every service gets a free port instead.
 *
 * A new service adds its port here (defaultPorts and portNames) and its binary to binaryChecks.
 */
import { goBinary, systemBinary } from '#dev/services/binaries';
import { freePort, isPortOpen } from '#dev/services/ports';
import { setprivBinary } from '#dev/services/process';

export const defaultPorts = {
  nsqdTcp: 4150,
  nsqdHttp: 4151,
  nsqlookupdTcp: 4160,
  nsqlookupdHttp: 4161,
  nsqadmin: 4171,
  redis: 6399,
  upstash: 8079,
  bridgeHttp: 8080,
  renderer: 8090,
  minio: 9000,
  lambda: 9001,
  minioConsole: 9002,
} as const;

export type StackPorts = { -readonly [K in keyof typeof defaultPorts]: number };

const portNames: Record<keyof StackPorts, string> = {
  nsqdTcp: 'nsqd TCP',
  nsqdHttp: 'nsqd HTTP',
  nsqlookupdTcp: 'nsqlookupd TCP',
  nsqlookupdHttp: 'nsqlookupd HTTP',
  nsqadmin: 'nsqadmin',
  redis: 'redis-server',
  upstash: 'local Upstash',
  bridgeHttp: 'bridge /metrics',
  renderer: 'local renderer',
  minio: 'MinIO (S3)',
  lambda: 'local Lambda',
  minioConsole: 'MinIO console',
};

/** Each throws a message saying how to get the binary when it is missing. */
export const binaryChecks: readonly (() => unknown)[] = [
  () => goBinary('nsqd'),
  () => goBinary('nsqlookupd'),
  () => goBinary('nsqadmin'),
  () => goBinary('minio'),
  () => systemBinary('redis-server'),
  () => setprivBinary(),
];

/** Every problem that stops the run before anything starts (all of them, not just the first). */
export async function preflight(
  ports: StackPorts,
  checkPorts: boolean,
  checks: readonly (() => unknown)[] = binaryChecks,
): Promise<string[]> {
  const problems: string[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (checkPorts) {
    for (const key of Object.keys(ports) as (keyof StackPorts)[]) {
      if (await isPortOpen(ports[key]))
        problems.push(
          `port ${ports[key]} (${portNames[key]}) on 127.0.0.1 is already in use: stop what uses it, or run with --free-ports`,
        );
    }
  }
  return problems;
}

/** The fixed defaults, or a distinct free port for every service. */
export async function choosePorts(free: boolean): Promise<StackPorts> {
  if (!free) return { ...defaultPorts };
  const ports = {} as StackPorts;
  const taken = new Set<number>();
  for (const key of Object.keys(defaultPorts) as (keyof StackPorts)[]) {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    ports[key] = port;
  }
  return ports;
}
