import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goBinary } from './binaries.ts';
import { freePort } from './ports.ts';
import { type ManagedProcess, startProcess } from './process.ts';
import { waitFor } from './wait.ts';

export interface S3Endpoint {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A real MinIO server (S3-compatible) on 127.0.0.1 with a throw-away data directory. */
export class MinioServer implements S3Endpoint {
  readonly region = 'us-east-1';
  readonly accessKeyId: string;
  readonly secretAccessKey: string;

  private constructor(
    readonly process: ManagedProcess,
    readonly port: number,
    readonly dir: string,
    credentials: { accessKeyId: string; secretAccessKey: string },
    /** The web console's port (served only when started with `console: true`). */
    readonly consolePort: number,
  ) {
    this.accessKeyId = credentials.accessKeyId;
    this.secretAccessKey = credentials.secretAccessKey;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The web console (log in with the access key and secret); served only when started with `console: true`. */
  get consoleUrl(): string {
    return `http://127.0.0.1:${this.consolePort}`;
  }

  static async start(
    options: {
      port?: number;
      /** Serve the web console (on `consolePort`, or a free port). @default false */
      console?: boolean;
      consolePort?: number;
      accessKeyId?: string;
      secretAccessKey?: string;
    } = {},
  ): Promise<MinioServer> {
    const dir = mkdtempSync(join(tmpdir(), 'minio-'));
    const credentials = {
      accessKeyId: options.accessKeyId ?? 'nsqlambda',
      secretAccessKey: options.secretAccessKey ?? 'nsqlambda-local-secret',
    };
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = options.port ?? (await freePort());
      const consolePort = options.consolePort ?? (await freePort());
      const proc = startProcess({
        name: 'minio',
        command: goBinary('minio'),
        args: [
          'server',
          dir,
          '--address',
          `127.0.0.1:${port}`,
          '--console-address',
          `127.0.0.1:${consolePort}`,
          '--quiet',
        ],
        env: {
          ...process.env,
          MINIO_ROOT_USER: credentials.accessKeyId,
          MINIO_ROOT_PASSWORD: credentials.secretAccessKey,
          MINIO_BROWSER: options.console ? 'on' : 'off',
          MINIO_UPDATE: 'off',
          MINIO_CI_CD: '1',
        },
        ports: [port, consolePort],
        dirs: [dir],
      });
      try {
        await waitFor(
          async () => {
            if (!proc.running) throw new Error(`minio exited early: ${proc.output()}`);
            const ready = await fetch(`http://127.0.0.1:${port}/minio/health/ready`);
            if (!ready.ok) return false;
            // /health/ready can answer before the S3 API serves: an unsigned request gets 503
            // XMinioServerNotInitialized until then, and 403 AccessDenied once it is up.
            const s3 = await fetch(`http://127.0.0.1:${port}/`);
            const body = await s3.text();
            if (s3.status === 503 || body.includes('XMinioServerNotInitialized')) return false;
            return !options.console || (await fetch(`http://127.0.0.1:${consolePort}/`)).ok;
          },
          { what: `minio on ${port}`, timeoutMs: 30_000 },
        );
        return new MinioServer(proc, port, dir, credentials, consolePort);
      } catch (err) {
        lastError = err;
        await proc.stop('SIGKILL');
        if (options.port !== undefined || options.consolePort !== undefined) break;
      }
    }
    rmSync(dir, { recursive: true, force: true });
    throw new Error('minio did not start', { cause: lastError });
  }

  async dispose(): Promise<void> {
    await this.process.stop('SIGTERM', 5_000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
