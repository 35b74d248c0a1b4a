/**
 * The whole local system on one machine, all on 127.0.0.1: nsqd, its own redis-server, the local Upstash
 * endpoint, MinIO (data and dead-letter buckets), the local renderer for html-backup, the local Lambda
 * serving functions/, workerd serving the edge functions (target 'edge'), and the bridge (its real entry
 * point, as a child process).
 *
 * `startStack` checks binaries and ports first and fails listing every problem; once anything started,
 * a failure stops what was started. `stop()` drains the bridge first, then stops the rest.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync, type WriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type LocalLambda, startLocalLambda } from '#dev/local-lambda/server';
import { type LocalUpstash, startLocalUpstash } from '#dev/local-upstash/server';
import { projectRoot } from '#dev/services/binaries';
import { MinioServer } from '#dev/services/minio';
import { Nsqd, Nsqlookupd } from '#dev/services/nsq';
import { Nsqadmin } from '#dev/services/nsqadmin';
import { stopAllProcesses } from '#dev/services/process';
import { RedisServer } from '#dev/services/redis';
import { waitFor } from '#dev/services/wait';
import { startEdgeFunctions } from '#dev/services/workerd';
import { type LocalRenderer, startLocalRenderer } from '#functions/html-backup/local-renderer';
import { awsClientConfig } from '#shared/clients/aws-client-config';
import { bridgeConfigFromDefinitions } from '#shared/config/bridge-config';
import { functionsFor, type LoadedFunction, loadFunctions } from '#shared/functions/loader';
import { SIGNING_SECRET_ENV } from '#shared/handler';
import { StackError } from '../errors.ts';
import { type BridgeProcess, startBridgeProcess } from './bridge-process.ts';
import { pruneDeadRunLogDirs, runLogDir } from './log-dir.ts';
import { choosePorts, edgePorts, preflight, type StackPorts } from './stack-ports.ts';

export const dataBucket = 'nsq-lambda-data';
export const deadLetterBucket = 'nsq-lambda-dead-letters';
const region = 'us-east-1';
/** The bridge's env var holding the run's signing secret for the edge functions (their HTTP targets). */
const EDGE_SIGNING_SECRET_ENV = 'NSQ_LAMBDA_EDGE_SIGNING_SECRET';

export interface StackOptions {
  /** Use any free ports instead of the fixed defaults. */
  readonly freePorts?: boolean;
  /** Where logs go. @default .cache/up/logs, or .cache/up/logs/run-<pid> with freePorts (log-dir.ts) */
  readonly logDir?: string;
  readonly functions?: readonly LoadedFunction[];
  /** Drain deadline of the bridge on stop. @default 20_000 */
  readonly drainDeadlineMs?: number;
  readonly onStatus?: (line: string) => void;
}

export interface Stack {
  readonly ports: StackPorts;
  readonly nsqd: Nsqd;
  readonly nsqlookupd: Nsqlookupd;
  readonly nsqadmin: Nsqadmin;
  readonly lambda: LocalLambda;
  readonly bridge: BridgeProcess;
  readonly minio: MinioServer;
  readonly upstash: LocalUpstash;
  readonly functions: readonly LoadedFunction[];
  /** The edge functions on workerd: their URLs and the secret their requests must be signed with. */
  readonly edge: { readonly urls: Readonly<Record<string, string>>; readonly signingSecret: string };
  /** Subscription names as the bridge reports them. */
  readonly subscriptions: readonly string[];
  readonly logDir: string;
  readonly logFiles: { readonly bridge: string; readonly lambda: string };
  stop(): Promise<void>;
}

function lineLog(stream: WriteStream) {
  return (line: string) => {
    stream.write(`${new Date().toISOString()} ${line}\n`);
  };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const status = options.onStatus ?? (() => {});
  const ports = await choosePorts(options.freePorts ?? false);
  const problems = await preflight(ports, !options.freePorts);
  if (problems.length > 0) throw new StackError(problems);

  const logBase = join(projectRoot, '.cache', 'up', 'logs');
  pruneDeadRunLogDirs(logBase);
  const logDir = options.logDir ?? runLogDir(logBase, options.freePorts ?? false);
  mkdirSync(logDir, { recursive: true });
  const logFiles = { bridge: join(logDir, 'bridge.log'), lambda: join(logDir, 'local-lambda.log') };
  // Fresh logs for every run.
  writeFileSync(logFiles.bridge, '');
  const lambdaLog = createWriteStream(logFiles.lambda, { flags: 'w' });

  const stops: (() => Promise<unknown>)[] = [];
  const stopStarted = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
    await stopAllProcesses();
    await new Promise<void>((resolve) => lambdaLog.end(() => resolve()));
  };
  try {
    const functions = options.functions ?? (await loadFunctions());
    status('starting nsqlookupd, nsqd, nsqadmin, redis-server, MinIO...');
    // nsqlookupd first: nsqd registers with it when it starts (and retries only every 15 s).
    const startNsq = async () => {
      const lookupd = await Nsqlookupd.start({
        tcpPort: ports.nsqlookupdTcp,
        httpPort: ports.nsqlookupdHttp,
      });
      stops.push(() => lookupd.dispose());
      const [nsqd, admin] = await Promise.all([
        Nsqd.start({
          tcpPort: ports.nsqdTcp,
          httpPort: ports.nsqdHttp,
          lookupdTcpAddresses: [lookupd.tcpAddress],
        }).then((s) => {
          stops.push(() => s.dispose());
          return s;
        }),
        Nsqadmin.start({ port: ports.nsqadmin, lookupdHttpAddresses: [lookupd.httpAddress] }).then((s) => {
          stops.push(() => s.dispose());
          return s;
        }),
      ]);
      return { lookupd, nsqd, admin };
    };
    const [{ lookupd: nsqlookupd, nsqd, admin: nsqadmin }, redis, minio] = await Promise.all([
      startNsq(),
      RedisServer.start({ port: ports.redis }).then((s) => {
        stops.push(() => s.dispose());
        return s;
      }),
      MinioServer.start({ port: ports.minio, console: true, consolePort: ports.minioConsole }).then((s) => {
        stops.push(() => s.dispose());
        return s;
      }),
    ]);
    const s3 = new S3Client({
      ...awsClientConfig({
        region,
        endpoint: minio.endpoint,
        credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
      }),
      forcePathStyle: true,
    });
    for (const Bucket of [dataBucket, deadLetterBucket]) await s3.send(new CreateBucketCommand({ Bucket }));
    s3.destroy();

    status('starting the local Upstash endpoint and the renderer...');
    const upstash = await startLocalUpstash({
      redisPort: redis.port,
      port: ports.upstash,
      token: randomBytes(18).toString('base64url'),
    });
    stops.push(() => upstash.close());
    const renderer: LocalRenderer = await startLocalRenderer({ port: ports.renderer });
    stops.push(() => renderer.close());

    const awsCredentials = {
      AWS_ACCESS_KEY_ID: minio.accessKeyId,
      AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
    };
    status(`bundling and serving ${functions.length} function(s) in the local Lambda...`);
    const lambda = await startLocalLambda({
      functions,
      port: ports.lambda,
      region,
      unreservedConcurrency: 4,
      log: lineLog(lambdaLog),
      functionEnvironment: () => ({
        ...awsCredentials,
        DATA_BUCKET: dataBucket,
        S3_ENDPOINT: minio.endpoint,
        UPSTASH_REDIS_REST_URL: upstash.url,
        UPSTASH_REDIS_REST_TOKEN: upstash.token,
        RENDERER_URL: `${renderer.url}`,
      }),
    });
    stops.push(() => lambda.close());

    const edgeFunctions = functionsFor(functions, 'edge');
    const edge = { urls: {} as Record<string, string>, signingSecret: randomBytes(24).toString('base64url') };
    if (edgeFunctions.length > 0) {
      status(`bundling and serving ${edgeFunctions.length} edge function(s) on workerd...`);
      const edgeDir = join(projectRoot, '.cache', 'up', 'edge');
      rmSync(edgeDir, { recursive: true, force: true });
      mkdirSync(edgeDir, { recursive: true });
      const workerd = await startEdgeFunctions(edgeFunctions, {
        outDir: edgeDir,
        bindings: {
          [SIGNING_SECRET_ENV]: edge.signingSecret,
          UPSTASH_REDIS_REST_URL: upstash.url,
          UPSTASH_REDIS_REST_TOKEN: upstash.token,
        },
        ports: edgePorts(edgeFunctions, ports.workerd, options.freePorts ?? false),
      });
      stops.push(() => workerd.stop());
      for (const f of edgeFunctions) edge.urls[f.definition.name] = workerd.url(f.definition.name);
    }

    status('starting the bridge...');
    // As in production, the bridge finds nsqd through nsqlookupd: it is given no nsqd address.
    const base = bridgeConfigFromDefinitions(functions, {
      lookupdHttpAddresses: [nsqlookupd.httpAddress],
      lambda: { region, endpoint: lambda.endpoint },
      deadLetter: { kind: 's3', bucket: deadLetterBucket, region, endpoint: minio.endpoint },
      toggles: { url: upstash.url },
      http: { host: '127.0.0.1', port: ports.bridgeHttp },
      drain: { deadlineMs: options.drainDeadlineMs ?? 20_000 },
    });
    // Edge functions' subscriptions go to workerd through the bridge's HTTP invoker, signed with the run's secret.
    const config = {
      ...base,
      subscriptions: base.subscriptions.map((s) => {
        const url = s.toggleName === undefined ? undefined : edge.urls[s.toggleName];
        return url
          ? { ...s, target: { type: 'http' as const, url, signingSecret: EDGE_SIGNING_SECRET_ENV } }
          : s;
      }),
    };
    for (const s of config.subscriptions) await nsqd.http.createTopic(s.topic);
    // The bridge's first lookup is at start, its next one a poll interval later: have nsqlookupd list
    // nsqd for every topic first.
    const topics = [...new Set(config.subscriptions.map((s) => s.topic))];
    await waitFor(
      async () => {
        for (const topic of topics) if ((await nsqlookupd.producers(topic)).length === 0) return false;
        return true;
      },
      { what: `nsqlookupd to list nsqd for ${topics.join(', ')}`, timeoutMs: 10_000 },
    );
    const bridge = await startBridgeProcess({
      config,
      logFile: logFiles.bridge,
      env: {
        ...awsCredentials,
        UPSTASH_REDIS_REST_TOKEN: upstash.token,
        [EDGE_SIGNING_SECRET_ENV]: edge.signingSecret,
        LOG_LEVEL: 'info',
      },
      readyTimeoutMs: 60_000,
    });
    const drainGraceMs = (options.drainDeadlineMs ?? 20_000) + 10_000;
    stops.push(() => bridge.stop(drainGraceMs));

    let stopping: Promise<void> | undefined;
    return {
      ports,
      nsqd,
      nsqlookupd,
      nsqadmin,
      lambda,
      bridge,
      minio,
      upstash,
      functions,
      edge,
      subscriptions: config.subscriptions.map((s) => s.name),
      logDir,
      logFiles,
      stop() {
        stopping ??= stopStarted();
        return stopping;
      },
    };
  } catch (err) {
    await stopStarted();
    throw err;
  }
}
