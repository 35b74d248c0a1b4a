/**
 * `nsq-lambda invoke` on the edge example: the batch runs on real workerd (bundled as it deploys), signed
 * as the bridge signs, with dedupe and the toggle reaching redis-server through the local Upstash endpoint.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLocalUpstash } from '#test/harness/upstash';
import { cli } from './cli-harness.ts';

const upstash = useLocalUpstash();
const fixture = await upstash.start();
const dir = mkdtempSync(join(tmpdir(), 'invoke-edge-'));
writeFileSync(join(dir, 'bodies.jsonl'), '{"greeting":"hi"}\n{"greting":"typo"}\n');

describe('invoke on an edge function', () => {
  it('runs the batch on workerd and prints each message’s outcome', async () => {
    // Act
    const run = await cli(['invoke', 'template-edge', '--body', 'bodies.jsonl', '--lines', '--json'], {
      env: { UPSTASH_REDIS_REST_URL: fixture.url, UPSTASH_REDIS_REST_TOKEN: fixture.token },
      cwd: dir,
    });

    // Assess
    expect(run.code, run.stderr).toBe(1);
    const out = JSON.parse(run.stdout) as {
      kind: string;
      outcomes: { id: string; outcome: { kind: string } }[];
    };
    expect(out.kind).toBe('answered');
    expect(out.outcomes.map((o) => o.outcome.kind)).toEqual(['finish', 'deadLetter']);
    // The valid message was claimed and marked done in Upstash from inside workerd (the invalid one is
    // dead-lettered by validation before dedupe claims anything).
    const marks = await fixture.client().keys('nsq-lambda:dedupe:template-edge:*');
    expect(marks).toEqual([`nsq-lambda:dedupe:template-edge:${out.outcomes[0]?.id}`]);
  });

  it('refuses --runtime rie for an edge function', async () => {
    const run = await cli(['invoke', 'template-edge', '--body', 'bodies.jsonl', '--runtime', 'rie'], {
      cwd: dir,
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/edge function: it runs on workerd/);
  });
});
