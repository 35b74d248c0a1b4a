import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ReplayItem, type ReplayPublisher, replay } from '#cli/dlq/replay';
import { ReplayJournal } from '#cli/dlq/replay-journal';
import { UncertainReplayError } from '#cli/errors';

function journal(): ReplayJournal {
  return ReplayJournal.open(
    join(mkdtempSync(join(tmpdir(), 'replay-')), 'j.jsonl'),
    { source: 's', target: 't' },
    0,
  );
}

function items(n: number): ReplayItem[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `k${i}`,
    topic: i % 2 ? 'odd' : 'even',
    load: async () => Buffer.from([i, 0, 255]),
  }));
}

/** Records publishes; `failWith(i)` makes the i-th publish (0-based) throw. */
function recorder(failWith: (i: number) => Error | undefined = () => undefined, certain = true) {
  const published: { topic: string; body: Buffer }[] = [];
  let calls = 0;
  const publisher: ReplayPublisher = {
    async publish(topic, body) {
      const err = failWith(calls++);
      if (err) throw err;
      published.push({ topic, body: Buffer.from(body) });
    },
    certainlyNotPublished: () => certain,
  };
  return { publisher, published };
}

describe('replay', () => {
  it('publishes each body byte-exact to its topic once, and skips what the journal has done', async () => {
    const j = journal();
    const { publisher, published } = recorder();
    const out = await replay({
      items: items(4),
      journal: j,
      publisher,
      ratePerSec: 10_000,
      uncertain: 'refuse',
    });
    expect(out.published).toEqual(['k0', 'k1', 'k2', 'k3']);
    expect(published.map((p) => [p.topic, p.body.toString('hex')])).toEqual([
      ['even', '0000ff'],
      ['odd', '0100ff'],
      ['even', '0200ff'],
      ['odd', '0300ff'],
    ]);
    const again = await replay({
      items: items(4),
      journal: j,
      publisher,
      ratePerSec: 10_000,
      uncertain: 'refuse',
    });
    expect(again.alreadyDone).toHaveLength(4);
    expect(published).toHaveLength(4);
    j.close();
  });

  it('stops between publishes when aborted and resumes with every item published exactly once', async () => {
    const j = journal();
    const controller = new AbortController();
    const { publisher, published } = recorder();
    const first = await replay({
      items: items(10),
      journal: j,
      publisher,
      ratePerSec: 10_000,
      uncertain: 'refuse',
      signal: controller.signal,
      onProgress: (p) => {
        if (p.published === 3) controller.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    expect(first.published).toHaveLength(3);
    expect(j.uncertain()).toEqual([]);
    const second = await replay({
      items: items(10),
      journal: j,
      publisher,
      ratePerSec: 10_000,
      uncertain: 'refuse',
    });
    expect(second.published).toHaveLength(7);
    expect(published.map((p) => p.body[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    j.close();
  });

  it('refuses, skips or republishes an uncertain item as told; a dry run publishes nothing', async () => {
    const j = journal();
    j.begin('k1', 1); // a run killed during the publish of k1
    const { publisher, published } = recorder();
    await expect(
      replay({ items: items(3), journal: j, publisher, ratePerSec: 10_000, uncertain: 'refuse' }),
    ).rejects.toBeInstanceOf(UncertainReplayError);
    const dry = await replay({
      items: items(3),
      journal: j,
      publisher,
      ratePerSec: 10_000,
      uncertain: 'refuse',
      dryRun: true,
    });
    expect(dry.wouldPublish).toEqual(['k0', 'k1', 'k2']);
    expect(published).toHaveLength(0);
    const skipped = await replay({
      items: items(3),
      journal: j,
      publisher,
      ratePerSec: 10_000,
      uncertain: 'skip',
    });
    expect(skipped.skippedUncertain).toEqual(['k1']);
    expect(skipped.published).toEqual(['k0', 'k2']);

    const j2 = journal();
    j2.begin('k1', 1);
    const other = recorder();
    const again = await replay({
      items: items(3),
      journal: j2,
      publisher: other.publisher,
      ratePerSec: 10_000,
      uncertain: 'republish',
    });
    expect(again.published).toEqual(['k0', 'k1', 'k2']);
    j.close();
    j2.close();
  });

  it('retries a publish nsqd refused on the next run, leaves an ambiguous one uncertain, and stops after repeated failures', async () => {
    const j = journal();
    const refused = recorder((i) => (i === 1 ? new Error('nsqd said 500') : undefined), true);
    const out = await replay({
      items: items(3),
      journal: j,
      publisher: refused.publisher,
      ratePerSec: 10_000,
      uncertain: 'refuse',
    });
    expect(out.failed.map((f) => f.key)).toEqual(['k1']);
    expect(j.state('k1')).toBeUndefined();
    const rerun = await replay({
      items: items(3),
      journal: j,
      publisher: refused.publisher,
      ratePerSec: 10_000,
      uncertain: 'refuse',
    });
    expect(rerun.published).toEqual(['k1']);

    const j2 = journal();
    const ambiguous = recorder(() => new Error('socket hang up'), false);
    const down = await replay({
      items: items(5),
      journal: j2,
      publisher: ambiguous.publisher,
      ratePerSec: 10_000,
      uncertain: 'refuse',
    });
    expect(down.aborted).toBe(true);
    expect(down.failed).toHaveLength(3);
    expect(j2.uncertain()).toEqual(['k0', 'k1', 'k2']);
    j.close();
    j2.close();
  });

  it('paces publishes at the rate', async () => {
    const j = journal();
    const { publisher } = recorder();
    const started = Date.now();
    await replay({ items: items(5), journal: j, publisher, ratePerSec: 50, uncertain: 'refuse' });
    // 5 publishes at 50/s: the last one is due 80 ms after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    j.close();
  });
});
