/**
 * `npm start` in a terminal, as a new user meets it: under a pseudo-terminal (util-linux `script`), on free
 * ports. Reads the screen for the live table and the banner, and reaches every endpoint the banner names
 * with the credentials it shows: nsqadmin lists the sample topics, nsqlookupd lists nsqd, the bridge found
 * nsqd through nsqlookupd (it was given no nsqd address), the Upstash token sets a toggle that the table
 * then shows, MinIO's API and console accept the key and secret. Ctrl-C stops it all.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '#dev/services/binaries';
import { waitFor } from '#dev/services/wait';
import {
  killLaunched,
  type LaunchedRun,
  launchNpmInTerminal,
  pressCtrlC,
  recordsUnder,
} from '#test/harness/launched-run';
import { isRunning } from '#test/harness/process-tree';
import { readTable, renderScreen } from '#test/harness/terminal-screen';

const runRoot = mkdtempSync(join(tmpdir(), 'nsq-lambda-runs-'));
const tableHeader =
  /^subscription\s+received\s+finished\s+requeued\s+dead-lettered\s+throttled\s+errors\s+in flight\s+msgs\/s\s+p99\s+toggle$/;
let up: LaunchedRun;

afterAll(() => {
  killLaunched();
  rmSync(runRoot, { recursive: true, force: true });
});

const screen = () => renderScreen(up.stdout());
/** The first capture group of `pattern` in the banner on screen. */
function fromBanner(pattern: RegExp): string {
  const found = screen()
    .map((line) => pattern.exec(line)?.[1])
    .find((v) => v !== undefined);
  if (found === undefined) throw new Error(`the banner has no ${pattern}:\n${screen().join('\n')}`);
  return found;
}
/** The template row of the newest table on screen. */
function templateRow(): Record<string, string> | undefined {
  return readTable(screen(), tableHeader)
    .at(-1)
    ?.find((r) => r.subscription === 'template');
}

beforeAll(async () => {
  up = launchNpmInTerminal(['start', '--', '--free-ports'], runRoot, { columns: 200, rows: 60 });
  await waitFor(
    () => screen().some((l) => /^all \d+ sample messages processed/.test(l)) || up.child.exitCode !== null,
    { what: 'the sample messages to be processed', timeoutMs: 200_000, intervalMs: 250 },
  );
  expect(up.child.exitCode, up.stdout()).toBeNull();
}, 210_000);

describe('npm start on a terminal', () => {
  it('redraws one table in place, with rates, errors, throttles, p99 and the toggle state', async () => {
    // One table above "all ... processed", the next one below it.
    await waitFor(() => readTable(screen(), tableHeader).length >= 2, {
      what: 'the table below the "all processed" line',
      timeoutMs: 10_000,
    });
    const tables = readTable(screen(), tableHeader);
    expect(tables).toHaveLength(2);
    // The template row was written many times, and the screen shows it once per table: redrawn in place.
    expect(up.stdout().split('template ').length - 1).toBeGreaterThan(3);
    expect(screen().filter((l) => l.startsWith('template ')).length).toBe(2);
    const [before] = tables;
    expect(before?.map((r) => r.subscription).sort()).toEqual(['cpu-heavy', 'html-backup', 'template']);
    expect(before?.find((r) => r.subscription === 'template')).toMatchObject({
      received: '21',
      finished: '20',
      requeued: '0',
      'dead-lettered': '1',
      throttled: '0',
      errors: '0',
      'in flight': '0',
      toggle: 'started',
    });
    const row = templateRow();
    expect(row?.['msgs/s']).toMatch(/^\d+\.\d$/);
    expect(row?.p99).toMatch(/^\d+ ms$|^\d+\.\d s$/);
  });

  it('names every endpoint with its local-only credentials', () => {
    const text = screen().join('\n');
    expect(text).toContain('the keys and tokens below are local-only credentials');
    for (const label of ['nsqd', 'nsqlookupd', 'nsqadmin', 'local Lambda', 'Upstash', 'MinIO'])
      expect(text).toMatch(new RegExp(`^  ${label} +\\S`, 'm'));
    expect(text).toMatch(/UPSTASH_REDIS_REST_TOKEN=\S{8,}/);
    expect(text).toMatch(/AWS_ACCESS_KEY_ID=\S+ AWS_SECRET_ACCESS_KEY=\S+/);
    expect(text).not.toContain('<see ');
  });

  it("serves nsqadmin on the banner's URL, listing the sample topics", async () => {
    const url = fromBanner(/^ {2}nsqadmin +(http:\/\/127\.0\.0\.1:\d+)/);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('nsqadmin');
    // The UI's script is served from the binary too.
    expect((await fetch(`${url}/static/main.js`)).status).toBe(200);
    const topics = (await (await fetch(`${url}/api/topics`)).json()) as { topics: string[] };
    expect(topics.topics).toEqual(expect.arrayContaining(['template', 'html-backup', 'cpu-jobs']));
  });

  it('has nsqd registered with nsqlookupd, and the bridge found nsqd there', async () => {
    const nsqdTcpPort = Number(fromBanner(/^ {2}nsqd +tcp 127\.0\.0\.1:(\d+)/));
    const lookupdHttp = fromBanner(/^ {2}nsqlookupd +tcp \S+ +http (http:\/\/127\.0\.0\.1:\d+)/);
    const lookup = (await (await fetch(`${lookupdHttp}/lookup?topic=template`)).json()) as {
      producers: { broadcast_address: string; tcp_port: number }[];
    };
    expect(lookup.producers.map((p) => `${p.broadcast_address}:${p.tcp_port}`)).toEqual([
      `127.0.0.1:${nsqdTcpPort}`,
    ]);
    // The bridge was configured with nsqlookupd only, and is connected to nsqd.
    const bridgeLog = readFileSync(fromBanner(/^ {2}logs +(\S+bridge\.log)$/), 'utf8');
    const started = bridgeLog.split('\n').find((l) => l.includes('"bridge started"'));
    const subscriptions = (JSON.parse(started ?? '{}') as { subscriptions?: unknown[] }).subscriptions;
    expect(subscriptions).toContainEqual(
      expect.objectContaining({ name: 'template', nsqd: [], lookupd: [lookupdHttp.replace('http://', '')] }),
    );
    const metrics = await (await fetch(fromBanner(/^ {2}bridge +metrics (\S+)/))).text();
    expect(metrics).toMatch(/^nsq_lambda_nsqd_connections\{subscription="template"\} 1$/m);
  });

  it("takes the banner's Upstash token: a toggle stopped with it shows in the table", async () => {
    const env = {
      ...process.env,
      UPSTASH_REDIS_REST_URL: fromBanner(/^ {2}Upstash +(http:\/\/\S+)/),
      UPSTASH_REDIS_REST_TOKEN: fromBanner(/UPSTASH_REDIS_REST_TOKEN=(\S+)/),
    };
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [join(projectRoot, 'cli', 'bin.mjs'), 'toggle', ...args], {
        env,
        encoding: 'utf8',
      });
    const stopped = cli('stop', 'template');
    expect(stopped.status, stopped.stderr).toBe(0);
    await waitFor(() => templateRow()?.toggle === 'stopped', {
      what: 'the table to show the template toggle stopped',
      timeoutMs: 15_000,
    });
    expect(cli('start', 'template').status).toBe(0);
    await waitFor(() => templateRow()?.toggle === 'started', {
      what: 'the table to show the template toggle started again',
      timeoutMs: 15_000,
    });
  });

  it("takes the banner's MinIO key and secret on the API and the console", async () => {
    const endpoint = fromBanner(/^ {2}MinIO +API (\S+)/);
    const consoleUrl = fromBanner(/^ {2}MinIO +API \S+ +console (\S+)/);
    const [, accessKeyId = '', secretAccessKey = ''] =
      /AWS_ACCESS_KEY_ID=(\S+) AWS_SECRET_ACCESS_KEY=(\S+)/.exec(screen().join('\n')) ?? [];
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
    });
    try {
      const listed = await s3.send(
        new ListObjectsV2Command({ Bucket: 'nsq-lambda-dead-letters', Prefix: 'dead-letters/' }),
      );
      // template's schema-invalid body and html-backup's missing page, at least.
      expect(listed.KeyCount ?? 0).toBeGreaterThanOrEqual(2);
    } finally {
      s3.destroy();
    }
    const login = await fetch(`${consoleUrl}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accessKey: accessKeyId, secretKey: secretAccessKey }),
    });
    expect(login.status).toBe(204);
    const refused = await fetch(`${consoleUrl}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accessKey: accessKeyId, secretKey: 'not-the-secret' }),
    });
    expect(refused.status).toBe(401);
  });

  it('Ctrl-C drains and stops everything', async () => {
    pressCtrlC(up);
    const exit = await up.exited;
    expect(exit.code, up.stdout()).toBe(0);
    expect(screen()).toContain('stopped.');
    expect(recordsUnder(runRoot).filter(isRunning)).toEqual([]);
  }, 60_000);
});
