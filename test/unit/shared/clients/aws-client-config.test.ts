import { createServer, type Server } from 'node:net';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  awsClientConfig,
  clearEnvironmentClients,
  oncePerEnvironment,
} from '#shared/clients/aws-client-config';
import { s3ClientForHandlers } from '#shared/clients/s3-client';
import { OptionsError } from '#shared/errors';

/** A TCP server that accepts and never answers: only a request timeout ends the call. */
let connections = 0;
const silent: Server = createServer((socket) => {
  connections++;
  socket.on('error', () => {});
});
await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
const port = (silent.address() as { port: number }).port;
afterAll(() => {
  silent.close();
});

describe('awsClientConfig', () => {
  it('makes exactly one attempt and gives up after the request timeout', async () => {
    // Prepare
    const s3 = new S3Client({
      ...awsClientConfig({
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        requestTimeoutMs: 300,
      }),
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      forcePathStyle: true,
    });
    const before = connections;

    // Act
    const error = await s3.send(new ListBucketsCommand({})).then(
      () => new Error('unexpected success') as Error & { $metadata?: { attempts?: number } },
      (e: unknown) => e as Error & { $metadata?: { attempts?: number } },
    );
    s3.destroy();

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toMatch(/TimeoutError/);
    expect(error.$metadata?.attempts).toBe(1);
    expect(connections - before).toBe(1);
  });

  it('makes exactly one attempt and gives up after a per-call request timeout when the client has none', async () => {
    // Prepare
    const s3 = new S3Client({
      ...awsClientConfig({
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        requestTimeoutMs: 0,
        socketTimeoutMs: 0,
      }),
      forcePathStyle: true,
    });

    // Act
    const error = await s3.send(new ListBucketsCommand({}), { requestTimeout: 300 }).then(
      () => new Error('unexpected success') as Error & { $metadata?: { attempts?: number } },
      (e: unknown) => e as Error & { $metadata?: { attempts?: number } },
    );
    s3.destroy();

    // Assess
    expect(error.name).toMatch(/TimeoutError/);
    expect(error.$metadata?.attempts).toBe(1);
  });

  it('passes region, endpoint and credentials through, and retries only when asked', () => {
    const config = awsClientConfig({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: 't' },
      maxAttempts: 3,
    });
    expect(config).toMatchObject({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: 't' },
      maxAttempts: 3,
    });
    const defaults = awsClientConfig();
    expect(defaults.maxAttempts).toBe(1);
    expect(Object.keys(defaults).sort()).toEqual(['maxAttempts', 'requestHandler']);
  });

  it('lists every invalid option at once', () => {
    let thrown: unknown;
    try {
      awsClientConfig({ maxAttempts: 0, connectionTimeoutMs: 1.5, requestTimeoutMs: -1, maxSockets: 0 });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(OptionsError);
    expect((thrown as OptionsError).problems).toEqual([
      'maxAttempts: must be an integer ≥ 1, got 0',
      'connectionTimeoutMs: must be an integer ≥ 1, got 1.5',
      'requestTimeoutMs: must be an integer ≥ 0, got -1',
      'maxSockets: must be an integer ≥ 1, got 0',
    ]);
  });
});

describe('oncePerEnvironment', () => {
  it('creates a client once per key', () => {
    // Prepare
    clearEnvironmentClients();
    let created = 0;

    // Act
    const a = oncePerEnvironment('k', () => ({ n: ++created }));
    const b = oncePerEnvironment('k', () => ({ n: ++created }));
    const s3a = s3ClientForHandlers({ endpoint: 'http://127.0.0.1:1', region: 'us-east-1' });
    const s3b = s3ClientForHandlers({ endpoint: 'http://127.0.0.1:1', region: 'us-east-1' });
    const s3c = s3ClientForHandlers({ endpoint: 'http://127.0.0.1:2', region: 'us-east-1' });

    // Assess
    expect(a).toBe(b);
    expect(created).toBe(1);
    expect(s3a).toBe(s3b);
    expect(s3c).not.toBe(s3a);
  });
});
