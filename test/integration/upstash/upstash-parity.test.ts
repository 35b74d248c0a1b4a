/**
 * The local Upstash endpoint, differentially against Redis's RESP2 answers (issue 14, part 2).
 *
 * Every corpus case runs, in order, on a freshly flushed redis-server three ways:
 * - the real @upstash/redis client against the local endpoint with its defaults (base64 responses,
 *   auto-pipelining: everything goes to /pipeline);
 * - the same client with `responseEncoding: false` and no auto-pipelining (plain JSON, POST /);
 * - the same client over test/harness/resp2-requester.ts: the commands straight on redis-server over
 *   RESP2, mapped as Upstash documents its JSON, no endpoint code involved.
 * What the client decodes must be equal. Errors compare by Upstash's text (the client's own prefixes,
 * which depend on the path it used, are removed). Cases where Upstash's answer is not Redis's (commands it refuses,
 * its script flag) must give Upstash's answer.
 * One redis-server serves all three runs, so hash-ordered replies (SMEMBERS, SCAN) agree.
 */
import { Redis } from '@upstash/redis';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectResp2 } from '#dev/local-upstash/resp2';
import { startLocalUpstash } from '#dev/local-upstash/server';
import { resp2Reference } from '#test/harness/resp2-requester';
import { useServices } from '#test/harness/services';
import { listsSetsZsets } from './parity/lists-sets-zsets.ts';
import type { ParityCase } from './parity/parity-case.ts';
import { scriptsBatchesRefusals } from './parity/scripts-batches-refusals.ts';
import { streamsGeoHllBits } from './parity/streams-geo-hll-bits.ts';
import { stringsHashesKeys } from './parity/strings-hashes-keys.ts';

const corpus: ParityCase[] = [
  ...stringsHashesKeys,
  ...listsSetsZsets,
  ...streamsGeoHllBits,
  ...scriptsBatchesRefusals,
];

type Outcome = { value: unknown } | { error: string };

/** The Redis/Upstash error text inside the client's message (its prefixes depend on the path used). */
function errorTextOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message
    .replace(/^Command failed: /, '')
    .replace(/^Command \d+ \[ [^\]]* \] failed: /, '')
    .replace(/, command was: [\s\S]*$/, '');
}

async function runAll(redis: Redis, skipUpstashOnly: boolean): Promise<(Outcome | undefined)[]> {
  const outcomes: (Outcome | undefined)[] = [];
  for (const c of corpus) {
    if (skipUpstashOnly && c.upstash !== undefined) {
      outcomes.push(undefined);
      continue;
    }
    try {
      outcomes.push({ value: await c.run(redis) });
    } catch (err) {
      outcomes.push({ error: errorTextOf(err) });
    }
  }
  return outcomes;
}

const services = useServices();
const runs: Record<'viaEndpoint' | 'viaEndpointPlain' | 'reference', (Outcome | undefined)[]> = {
  viaEndpoint: [],
  viaEndpointPlain: [],
  reference: [],
};

beforeAll(async () => {
  const redisServer = await services.redis();
  const admin = await connectResp2({ port: redisServer.port });
  const endpoint = await startLocalUpstash({ redisPort: redisServer.port, token: 'parity-token' });
  const reference = await resp2Reference(redisServer.port);
  const fresh = async () => {
    await admin.call('FLUSHALL');
    await admin.call('SCRIPT', 'FLUSH');
  };
  const clientOptions = {
    url: endpoint.url,
    token: 'parity-token',
    enableTelemetry: false,
    retry: false,
  } as const;
  try {
    await fresh();
    runs.viaEndpoint = await runAll(new Redis(clientOptions), false);
    await fresh();
    runs.viaEndpointPlain = await runAll(
      new Redis({ ...clientOptions, responseEncoding: false, enableAutoPipelining: false }),
      false,
    );
    await fresh();
    runs.reference = await runAll(new Redis(reference.requester), true);
  } finally {
    reference.close();
    admin.disconnect();
    await endpoint.close();
  }
});

describe('the local Upstash endpoint answers as Upstash (RESP2 shapes) for the real @upstash/redis client', () => {
  it('has a corpus of at least 150 commands', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(150);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  it.each(corpus.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const expected: Outcome | undefined = c.upstash ?? runs.reference[i];
    expect(expected).toBeDefined();
    expect(runs.viaEndpoint[i], 'base64 + auto-pipelining (/pipeline)').toEqual(expected);
    expect(runs.viaEndpointPlain[i], 'plain JSON (POST /)').toEqual(expected);
  });
});
