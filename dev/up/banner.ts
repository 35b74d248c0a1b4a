/**
 * What `npm start` prints once the stack is up: every local endpoint with what a user needs to reach it,
 * credentials included (they are local-only: made up for this machine, no account behind them).
 * A new service adds one entry to `stackEndpoints`.
 */
import type { Stack } from './stack.ts';
import { deadLetterBucket } from './stack.ts';

export interface BannerEntry {
  /** At most 12 characters: the label column. */
  readonly label: string;
  /** The first line goes beside the label, the rest below it, indented. */
  readonly lines: readonly string[];
}

const LABEL_WIDTH = 12;

/** The entries as lines, labels in a column. */
export function formatBanner(entries: readonly BannerEntry[]): string[] {
  return entries.flatMap(({ label, lines }) =>
    lines.map((line, i) => `  ${(i === 0 ? label : '').padEnd(LABEL_WIDTH)} ${line}`),
  );
}

/** Every endpoint of the running stack, with its credentials. */
export function stackEndpoints(stack: Stack): BannerEntry[] {
  const { ports, minio, upstash, lambda, bridge, nsqd, nsqlookupd, nsqadmin } = stack;
  const awsEnv = `AWS_ACCESS_KEY_ID=${minio.accessKeyId} AWS_SECRET_ACCESS_KEY=${minio.secretAccessKey}`;
  return [
    { label: 'nsqd', lines: [`tcp ${nsqd.tcpAddress}   http http://${nsqd.httpAddress}/stats`] },
    {
      label: 'nsqlookupd',
      lines: [
        `tcp ${nsqlookupd.tcpAddress}   http http://${nsqlookupd.httpAddress}/nodes   (nsqd registers here; the bridge discovers nsqd here)`,
      ],
    },
    { label: 'nsqadmin', lines: [`${nsqadmin.url}   (reads nsqlookupd)`] },
    { label: 'local Lambda', lines: [`${lambda.endpoint}   (stats ${lambda.endpoint}/local/stats)`] },
    {
      label: 'Upstash',
      lines: [
        `${upstash.url}   UPSTASH_REDIS_REST_TOKEN=${upstash.token}   (redis-server on 127.0.0.1:${ports.redis})`,
      ],
    },
    { label: 'MinIO', lines: [`API ${minio.endpoint}   console ${minio.consoleUrl}`, awsEnv] },
    {
      label: 'dead letters',
      lines: [
        `s3://${deadLetterBucket}/dead-letters/ on ${minio.endpoint}`,
        `${awsEnv} aws --endpoint-url ${minio.endpoint} s3 ls s3://${deadLetterBucket} --recursive`,
      ],
    },
    { label: 'bridge', lines: [`metrics ${bridge.httpUrl}/metrics   ready ${bridge.httpUrl}/readyz`] },
    { label: 'logs', lines: [stack.logFiles.bridge, stack.logFiles.lambda] },
    { label: 'functions', lines: [stack.functions.map((f) => f.definition.name).join(', ')] },
  ];
}

/** The whole banner. */
export function banner(stack: Stack, dev: boolean): string {
  return [
    '',
    'nsq-lambda is running locally (Ctrl-C drains and stops everything).',
    'Every endpoint listens on 127.0.0.1 only; the keys and tokens below are local-only credentials for this run.',
    ...formatBanner(stackEndpoints(stack)),
    dev
      ? `  ${'publish'.padEnd(LABEL_WIDTH)} curl -d '{"greeting":"hi"}' 'http://${stack.nsqd.httpAddress}/pub?topic=template'`
      : '  sample messages published; progress per subscription:',
    '',
  ].join('\n');
}
