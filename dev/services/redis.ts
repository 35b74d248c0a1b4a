import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemBinary } from './binaries.ts';
import { freePort } from './ports.ts';
import { type ManagedProcess, startProcess } from './process.ts';
import { waitFor } from './wait.ts';

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** A real redis-server on 127.0.0.1 with no persistence, in its own directory. */

/** redis-server on 127.0.0.1 at `port`, keeping nothing on disk but in `dir`. */
export function redisServerArgs(port: number, dir: string): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
}
export class RedisServer {
  private constructor(
    readonly process: ManagedProcess,
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(options: { port?: number } = {}): Promise<RedisServer> {
    const dir = mkdtempSync(join(tmpdir(), 'redis-'));
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = options.port ?? (await freePort());
      const proc = startProcess({
        name: 'redis-server',
        command: systemBinary('redis-server'),
        args: redisServerArgs(port, dir),
        ports: [port],
        dirs: [dir],
      });
      try {
        await waitFor(
          async () => {
            if (!proc.running) throw new Error(`redis-server exited early: ${proc.output()}`);
            return ping(port);
          },
          { what: `redis-server on ${port}` },
        );
        proc.recordAsRunning(); // it has retitled itself `redis-server 127.0.0.1:<port>`
        return new RedisServer(proc, port, dir);
      } catch (err) {
        lastError = err;
        await proc.stop('SIGKILL');
        if (options.port !== undefined) break;
      }
    }
    rmSync(dir, { recursive: true, force: true });
    throw new Error('redis-server did not start', { cause: lastError });
  }

  get running(): boolean {
    return this.process.running;
  }

  async dispose(): Promise<void> {
    await this.process.stop('SIGTERM', 3_000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
