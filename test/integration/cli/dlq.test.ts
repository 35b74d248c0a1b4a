import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MinioServer } from '#dev/services/minio';
import type { Nsqd } from '#dev/services/nsq';
import { freePort } from '#dev/services/ports';
import { collectMessages } from '#test/harness/nsq-consumer';
import { useServices, waitFor } from '#test/harness/services';
import { cli, hasStackTrace, spawnCli } from './cli-harness.ts';
import { record, s3Env, s3For, seed } from './dead-letter-seed.ts';

const services = useServices();
let minio: MinioServer;
let nsqd: Nsqd;
let s3: S3Client;

let closedPort: number;

beforeAll(async () => {
  closedPort = await freePort();
  [minio, nsqd] = await Promise.all([services.minio(), services.nsqd()]);
  s3 = s3For(minio);
});
afterAll(() => s3?.destroy());

const stateDir = () => mkdtempSync(join(tmpdir(), 'cli-state-'));

async function checkChannel(topic: string, channel: string): Promise<void> {
  await nsqd.http.createTopic(topic);
  await nsqd.http.createChannel(topic, channel);
}

/**
 * Messages published to a topic. The topic's count, not a channel's: nsqd counts a PUB in the topic before
 * it answers and copies it to the channels after, so a channel's count just after the CLI exits can lag.
 */
async function published(topic: string): Promise<number> {
  return (await nsqd.http.stats({ topic })).topics.find((t) => t.topic_name === topic)?.message_count ?? 0;
}

const binary = Buffer.from([0x00, 0xff, 0x0a, 0x0d, 0x80, 0x41, 0x0a]);

describe('dlq list', () => {
  it('lists every dead letter oldest first, filters by handler, kind, reason and time, and reports malformed objects', async () => {
    const bucket = 'list';
    const a = record({ functionName: 'orders', reasonKind: 'maxAttempts', reason: 'attempts reached 5' });
    const b = record({
      functionName: 'html-backup',
      subscription: 'html-backup',
      topic: 'pages',
      reasonKind: 'function',
      reason: 'invalid URL: ftp://x',
    });
    const c = record({ functionName: 'orders', reasonKind: 'function', reason: 'Schema Validation failed' });
    await seed(s3, bucket, [a, b, c]);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'dead-letters/orders/2026/11/27/1790000999000-broken.json',
        Body: '{not json',
      }),
    );
    const env = s3Env(minio, bucket);

    const all = await cli(['dlq', 'list', '--json'], { env });
    expect(all.code).toBe(0);
    const parsed = JSON.parse(all.stdout) as { count: number; items: { id: string }[]; malformed: unknown[] };
    expect(parsed.items.map((i) => i.id)).toEqual([a.id, b.id, c.id]);
    expect(parsed.malformed).toHaveLength(1);

    const human = await cli(['dlq', 'list'], { env });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/DEAD-LETTERED\s+ID\s+HANDLER/);
    expect(human.stdout).toContain('3 dead letter(s)');
    expect(human.stderr).toContain('malformed');

    const ids = async (...args: string[]) => {
      const r = await cli(['dlq', 'list', '--json', ...args], { env });
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { items: { id: string }[] }).items.map((i) => i.id);
    };
    expect(await ids('--handler', 'orders')).toEqual([a.id, c.id]);
    expect(await ids('--kind', 'function')).toEqual([b.id, c.id]);
    expect(await ids('--reason', 'schema')).toEqual([c.id]);
    expect(await ids('--subscription', 'html-backup')).toEqual([b.id]);
    expect(await ids('--since', String(b.deadLetteredAtMs))).toEqual([b.id, c.id]);
    expect(await ids('--until', new Date(b.deadLetteredAtMs).toISOString())).toEqual([a.id, b.id]);
    expect(await ids('--limit', '1')).toEqual([a.id]);
  });

  it('says what to do, in one line, when the store is unreachable or not configured', async () => {
    const down = await cli(['dlq', 'list'], {
      env: { ...s3Env(minio, 'x'), S3_ENDPOINT: 'http://127.0.0.1:9' },
    });
    expect(down.code).toBe(4);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toContain('unreachable');
    expect(hasStackTrace(down.stderr)).toBe(false);

    const none = await cli(['dlq', 'list'], { env: {} });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('--bucket');

    const badTopic = await cli(['dlq', 'replay', '--to-topic', 'no spaces'], { env: s3Env(minio, 'x') });
    expect(badTopic.code).toBe(3);
    expect(badTopic.stderr).toContain('--to-topic');

    const badKind = await cli(['dlq', 'list', '--kind', 'nope'], { env: s3Env(minio, 'x') });
    expect(badKind.code).toBe(3);
    expect(badKind.stderr).toContain('unknown reason kind nope');
  });
});

describe('dlq show', () => {
  it('shows a record by id or key, and writes the original bytes with --raw', async () => {
    const bucket = 'show';
    const r = record({ bodyBytes: binary, lastError: { type: 'Sandbox.Timedout', message: 'timed out' } });
    const t = record({ bodyBytes: Buffer.from('héllo\nworld') });
    const [key] = await seed(s3, bucket, [r, t]);
    const env = s3Env(minio, bucket);

    const byId = await cli(['dlq', 'show', r.id], { env });
    expect(byId.code, byId.stderr).toBe(0);
    expect(byId.stdout).toContain(`key:              ${key}`);
    expect(byId.stdout).toContain('Sandbox.Timedout: timed out');
    expect(byId.stdout).toContain(`body (7 bytes, hex):\n${binary.toString('hex')}`);

    const text = await cli(['dlq', 'show', t.id, '--json'], { env });
    expect(JSON.parse(text.stdout)).toMatchObject({ id: t.id, bodyText: 'héllo\nworld' });

    const raw = await cli(['dlq', 'show', key as string, '--raw'], { env });
    expect(raw.code).toBe(0);
    expect(raw.stdoutBytes.equals(binary)).toBe(true);

    const missing = await cli(['dlq', 'show', 'ffffffffffffffff'], { env });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no dead letter with id ffffffffffffffff');
  });
});

describe('dlq replay', () => {
  it('republishes the original bodies byte-exact to their topics; --dry-run publishes nothing', async () => {
    const bucket = 'replay-basic';
    const records = [
      record({ topic: 'replay-a', bodyBytes: binary }),
      record({ topic: 'replay-a', bodyBytes: Buffer.from('line1\nline2') }),
      record({ topic: 'replay-b', bodyBytes: Buffer.from('{"ok":true}') }),
    ];
    await seed(s3, bucket, records);
    await checkChannel('replay-a', 'check');
    await checkChannel('replay-b', 'check');
    const env = { ...s3Env(minio, bucket), NSQD_HTTP_ADDRESS: nsqd.httpAddress, XDG_STATE_HOME: stateDir() };

    const dry = await cli(['dlq', 'replay', '--dry-run'], { env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('dry run: 3 of 3 would be published');
    expect(await published('replay-a')).toBe(0);

    const run = await cli(['dlq', 'replay', '--rate', '100', '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ total: 3, published: 3, failed: [] });

    const a = await collectMessages({
      topic: 'replay-a',
      channel: 'check',
      count: 2,
      nsqdTCPAddresses: [nsqd.tcpAddress],
    });
    const b = await collectMessages({
      topic: 'replay-b',
      channel: 'check',
      count: 1,
      nsqdTCPAddresses: [nsqd.tcpAddress],
    });
    expect(a.map((m) => m.body.toString('hex')).sort()).toEqual(
      [binary.toString('hex'), Buffer.from('line1\nline2').toString('hex')].sort(),
    );
    expect(b[0]?.body.toString()).toBe('{"ok":true}');

    // The same command again: the journal says all are done, nothing is published twice.
    const again = await cli(['dlq', 'replay', '--rate', '100', '--json'], { env });
    expect(JSON.parse(again.stdout)).toMatchObject({ published: 0, alreadyDone: 3 });
    expect(await published('replay-a')).toBe(2);

    // Purge exactly what the replay published; a dead letter that arrived since stays.
    const late = record({ topic: 'replay-a' });
    await seed(s3, bucket, [late]);
    const journal = (JSON.parse(run.stdout) as { journal: string }).journal;
    const purged = await cli(['dlq', 'purge', '--replayed', journal, '--yes', '--json'], { env });
    expect(purged.code, purged.stderr).toBe(0);
    expect(JSON.parse(purged.stdout)).toMatchObject({ matched: 3, deleted: 3 });
    const left = JSON.parse((await cli(['dlq', 'list', '--json'], { env })).stdout) as {
      items: { id: string }[];
    };
    expect(left.items.map((i) => i.id)).toEqual([late.id]);
  });

  it('is resumed after an interruption with every dead letter republished exactly once', async () => {
    const bucket = 'replay-resume';
    const n = 12;
    const records = Array.from({ length: n }, (_, i) =>
      record({ topic: 'replay-resume', bodyBytes: Buffer.from(`message-${i}`) }),
    );
    await seed(s3, bucket, records);
    await checkChannel('replay-resume', 'check');
    const env = { ...s3Env(minio, bucket), NSQD_HTTP_ADDRESS: nsqd.httpAddress, XDG_STATE_HOME: stateDir() };

    // First run: interrupted (as by Ctrl-C) once 3 messages reached nsqd, at 4 msg/s.
    const controller = new AbortController();
    const first = cli(['dlq', 'replay', '--rate', '4', '--json'], { env, signal: controller.signal });
    await waitFor(async () => (await published('replay-resume')) >= 3, {
      what: '3 replayed messages',
      timeoutMs: 20_000,
    });
    controller.abort();
    const interrupted = await first;
    expect(interrupted.code).toBe(130);
    const firstOut = JSON.parse(interrupted.stdout) as { published: number; interrupted: boolean };
    expect(firstOut.interrupted).toBe(true);
    expect(firstOut.published).toBeGreaterThanOrEqual(3);
    expect(firstOut.published).toBeLessThan(n);

    // Resume: the same command publishes only the rest.
    const second = await cli(['dlq', 'replay', '--rate', '100', '--json'], { env });
    expect(second.code, second.stderr).toBe(0);
    const secondOut = JSON.parse(second.stdout) as { published: number; alreadyDone: number };
    expect(secondOut.alreadyDone).toBe(firstOut.published);
    expect(secondOut.published).toBe(n - firstOut.published);

    const got = await collectMessages({
      topic: 'replay-resume',
      channel: 'check',
      count: n,
      nsqdTCPAddresses: [nsqd.tcpAddress],
    });
    expect(got.map((m) => m.body.toString()).sort()).toEqual(records.map((_, i) => `message-${i}`).sort());
    expect(await published('replay-resume')).toBe(n);
  });

  it('fails in one line when nsqd is unreachable, and publishes nothing', async () => {
    const bucket = 'replay-down';
    await seed(s3, bucket, [record({ topic: 'replay-down' })]);
    const r = await cli(['dlq', 'replay'], {
      env: { ...s3Env(minio, bucket), NSQD_HTTP_ADDRESS: `127.0.0.1:${closedPort}` },
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`nsqd at http://127.0.0.1:${closedPort} is unreachable`);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});

describe('dlq purge', () => {
  it('refuses without --yes off a terminal, asks on one, and deletes only what the filter selects', async () => {
    const bucket = 'purge';
    const keep = record({ functionName: 'keep' });
    const drop1 = record({ functionName: 'gone' });
    const drop2 = record({ functionName: 'gone' });
    await seed(s3, bucket, [keep, drop1, drop2]);
    const env = s3Env(minio, bucket);
    const count = async () =>
      (JSON.parse((await cli(['dlq', 'list', '--json'], { env })).stdout) as { count: number }).count;

    const refused = await cli(['dlq', 'purge', '--handler', 'gone'], { env });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('pass --yes');
    expect(await count()).toBe(3);

    const declined = await cli(['dlq', 'purge', '--handler', 'gone'], {
      env,
      stdinIsTTY: true,
      stdinText: 'no\n',
    });
    expect(declined.code).toBe(5);
    expect(declined.stderr).toContain('Delete 2 dead letter(s)');
    expect(await count()).toBe(3);

    const confirmed = await cli(['dlq', 'purge', '--handler', 'gone'], {
      env,
      stdinIsTTY: true,
      stdinText: 'yes\n',
    });
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(confirmed.stdout).toContain('deleted 2 of 2');
    expect(await count()).toBe(1);

    const yes = await cli(['dlq', 'purge', '--yes', '--json'], { env });
    expect(JSON.parse(yes.stdout)).toMatchObject({ matched: 1, deleted: 1 });
    expect(await count()).toBe(0);
  });
});

/** Waits until `n` messages reached nsqd; fails at once, with its output, if the process exits first. */
async function untilPublished(run: ReturnType<typeof spawnCli>, count: () => Promise<number>, n: number) {
  let exited = false;
  const early = run.done.then((r) => {
    exited = true;
    return r;
  });
  await Promise.race([
    waitFor(async () => exited || (await count()) >= n, {
      what: `${n} replayed messages`,
      timeoutMs: 60_000,
    }),
    early,
  ]);
  if (exited) {
    const r = await early;
    throw new Error(`the replay exited early with ${r.code}: ${r.stderr}`);
  }
}

describe('dlq replay after a crash', () => {
  async function setup(bucket: string, topic: string, n: number) {
    const records = Array.from({ length: n }, (_, i) =>
      record({ topic, bodyBytes: Buffer.from(`${topic}-${i}`) }),
    );
    const keys = await seed(s3, bucket, records);
    await checkChannel(topic, 'check');
    const env = { ...s3Env(minio, bucket), NSQD_HTTP_ADDRESS: nsqd.httpAddress, XDG_STATE_HOME: stateDir() };
    return { records, keys, env };
  }

  it('names the uncertain message left by a killed run and lets the operator decide', async () => {
    const { keys, env } = await setup('crash-journal', 'crash-journal', 5);
    const journal = join(stateDir(), 'journal.jsonl');
    // What a run killed between "begin" and "done" of its second message leaves behind.
    writeFileSync(
      journal,
      [
        JSON.stringify({ header: { source: 'test', target: 'test', createdAtMs: 0 } }),
        JSON.stringify({ k: keys[0], s: 'begin', t: 1 }),
        JSON.stringify({ k: keys[0], s: 'done', t: 2 }),
        JSON.stringify({ k: keys[1], s: 'begin', t: 3 }),
        '{"k":"torn',
      ].join('\n'),
    );
    const refused = await cli(['dlq', 'replay', '--journal', journal], { env });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(keys[1]);
    expect(refused.stderr).toContain('--uncertain skip');
    expect(await published('crash-journal')).toBe(0);

    const skipped = await cli(
      ['dlq', 'replay', '--journal', journal, '--uncertain', 'skip', '--rate', '100', '--json'],
      {
        env,
      },
    );
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ published: 3, alreadyDone: 1, skippedUncertain: 1 });
    expect(await published('crash-journal')).toBe(3);
  });

  it('survives SIGKILL of the real process: the rerun publishes the rest, each message at least once and at most one twice', async () => {
    const n = 10;
    const { records, env } = await setup('crash-kill', 'crash-kill', n);
    const count = () => published('crash-kill');
    const run = spawnCli(['dlq', 'replay', '--rate', '4'], { env });
    await untilPublished(run, count, 2);
    run.child.kill('SIGKILL');
    expect((await run.done).code).toBe(137);
    const afterKill = await count();
    expect(afterKill).toBeLessThan(n);

    let rerun = await cli(['dlq', 'replay', '--rate', '100', '--json'], { env });
    if (rerun.code === 5) {
      // Killed between begin and done: one message is uncertain; republishing it is the operator's call.
      rerun = await cli(['dlq', 'replay', '--rate', '100', '--json', '--uncertain', 'republish'], { env });
    }
    expect(rerun.code, rerun.stderr + rerun.stdout).toBe(0);
    const total = await count();
    expect(total).toBeGreaterThanOrEqual(n);
    expect(total).toBeLessThanOrEqual(n + 1);
    const got = await collectMessages({
      topic: 'crash-kill',
      channel: 'check',
      count: total,
      nsqdTCPAddresses: [nsqd.tcpAddress],
    });
    expect(new Set(got.map((m) => m.body.toString()))).toEqual(
      new Set(records.map((_, i) => `crash-kill-${i}`)),
    );
  });

  it('stops the real process cleanly on SIGINT (exit 130) and resumes with every message exactly once', async () => {
    const n = 10;
    const { records, env } = await setup('crash-int', 'crash-int', n);
    const count = () => published('crash-int');
    const run = spawnCli(['dlq', 'replay', '--rate', '4'], { env });
    await untilPublished(run, count, 2);
    // Ctrl-C under npm run: the terminal's SIGINT and npm's forwarded one, back to back.
    run.child.kill('SIGINT');
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('rerun the same command to resume');
    expect(hasStackTrace(stopped.stderr)).toBe(false);

    const rerun = await cli(['dlq', 'replay', '--rate', '100', '--json'], { env });
    expect(rerun.code, rerun.stderr + rerun.stdout).toBe(0);
    expect(await count()).toBe(n);
    const got = await collectMessages({
      topic: 'crash-int',
      channel: 'check',
      count: n,
      nsqdTCPAddresses: [nsqd.tcpAddress],
    });
    expect(got.map((m) => m.body.toString()).sort()).toEqual(records.map((_, i) => `crash-int-${i}`).sort());
  });
});
