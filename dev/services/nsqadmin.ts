import { goBinary } from './binaries.ts';
import { freePort } from './ports.ts';
import { type ManagedProcess, startProcess } from './process.ts';
import { waitFor } from './wait.ts';

export interface NsqadminOptions {
  /** The nsqlookupd HTTP addresses it reads topics, channels and nodes from. */
  readonly lookupdHttpAddresses: readonly string[];
  /** A fixed port (`npm start`); a free port otherwise. */
  readonly port?: number;
}

/** A real nsqadmin (nsq v1.3.0's web UI) on 127.0.0.1, pointed at nsqlookupd. */
export class Nsqadmin {
  private constructor(
    readonly process: ManagedProcess,
    readonly port: number,
  ) {}

  /** `http://127.0.0.1:<port>`: the UI at /, its JSON API under /api (e.g. /api/topics). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: NsqadminOptions): Promise<Nsqadmin> {
    const port = options.port ?? (await freePort());
    const proc = startProcess({
      name: 'nsqadmin',
      command: goBinary('nsqadmin'),
      args: [
        `--http-address=127.0.0.1:${port}`,
        '--log-level=warn',
        ...options.lookupdHttpAddresses.map((a) => `--lookupd-http-address=${a}`),
      ],
      ports: [port],
    });
    const admin = new Nsqadmin(proc, port);
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`nsqadmin exited early: ${proc.output()}`);
        return (await fetch(`${admin.url}/ping`)).ok;
      },
      { what: `nsqadmin on ${admin.url}` },
    );
    return admin;
  }

  get running(): boolean {
    return this.process.running;
  }

  async dispose(): Promise<void> {
    await this.process.stop('SIGTERM', 3_000);
  }
}
