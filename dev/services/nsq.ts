import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NsqdHttpClient } from '#shared/nsq/nsqd-http';
import { goBinary } from './binaries.ts';
import { freePort } from './ports.ts';
import { type ManagedProcess, startProcess } from './process.ts';
import { waitFor } from './wait.ts';

export interface NsqdOptions {
  /** nsqlookupd TCP addresses to register with. */
  readonly lookupdTcpAddresses?: readonly string[];
  /** Extra flags, e.g. `--max-msg-timeout=30s`. */
  readonly args?: readonly string[];
  /** Reuse a data directory (keeps topics and messages across restarts). */
  readonly dataDir?: string;
  readonly tcpPort?: number;
  readonly httpPort?: number;
}

type SpawnOptions = NsqdOptions & { dataDir: string; tcpPort: number; httpPort: number; httpsPort: number };

/** A real nsqd on 127.0.0.1 with its own data directory. */
export class Nsqd {
  readonly tcpAddress: string;
  readonly httpAddress: string;
  readonly http: NsqdHttpClient;
  #process: ManagedProcess;
  readonly #options: SpawnOptions;
  readonly #ownsDataDir: boolean;

  private constructor(process: ManagedProcess, options: SpawnOptions, ownsDataDir: boolean) {
    this.#process = process;
    this.#options = options;
    this.#ownsDataDir = ownsDataDir;
    this.tcpAddress = `127.0.0.1:${options.tcpPort}`;
    this.httpAddress = `127.0.0.1:${options.httpPort}`;
    this.http = new NsqdHttpClient(this.httpAddress);
  }

  static async start(options: NsqdOptions = {}): Promise<Nsqd> {
    const ownsDataDir = options.dataDir === undefined;
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'nsqd-'));
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const tcpPort = options.tcpPort ?? (await freePort());
      const httpPort = options.httpPort ?? (await freePort());
      const httpsPort = await freePort();
      const full = { ...options, dataDir, tcpPort, httpPort, httpsPort };
      const proc = Nsqd.#spawn(full, ownsDataDir);
      const nsqd = new Nsqd(proc, full, ownsDataDir);
      try {
        await nsqd.#waitReady();
        return nsqd;
      } catch (err) {
        lastError = err;
        await proc.stop('SIGKILL');
        if (options.tcpPort !== undefined) break;
      }
    }
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw new Error('nsqd did not start', { cause: lastError });
  }

  static #spawn(o: SpawnOptions, ownsDataDir: boolean): ManagedProcess {
    return startProcess({
      name: 'nsqd',
      command: goBinary('nsqd'),
      args: [
        `--tcp-address=127.0.0.1:${o.tcpPort}`,
        `--http-address=127.0.0.1:${o.httpPort}`,
        // With --tls-cert nsqd also serves HTTPS, by default on [::]:4152: every interface, and a fixed port
        // that a second TLS nsqd cannot bind.
        `--https-address=127.0.0.1:${o.httpsPort}`,
        '--broadcast-address=127.0.0.1',
        `--data-path=${o.dataDir}`,
        '--log-level=warn',
        ...(o.lookupdTcpAddresses ?? []).map((a) => `--lookupd-tcp-address=${a}`),
        ...(o.args ?? []),
      ],
      ports: [o.tcpPort, o.httpPort, o.httpsPort],
      dirs: ownsDataDir ? [o.dataDir] : [],
    });
  }

  async #waitReady(): Promise<void> {
    const proc = this.#process;
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`nsqd exited early: ${proc.output()}`);
        return this.http.ping();
      },
      { what: `nsqd on ${this.tcpAddress}`, timeoutMs: 10_000 },
    );
  }

  get pid(): number {
    return this.#process.pid;
  }

  get running(): boolean {
    return this.#process.running;
  }

  get dataDir(): string {
    return this.#options.dataDir;
  }

  output(): string {
    return this.#process.output();
  }

  /** Stops nsqd. SIGTERM is a clean shutdown (in-flight and deferred messages are flushed to disk). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.#process.stop(signal);
  }

  /** Stops and starts nsqd again on the same ports and data directory. */
  async restart(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    this.#process = Nsqd.#spawn(this.#options, this.#ownsDataDir);
    await this.#waitReady();
  }

  /** Stops nsqd and removes its data directory (when the harness created it). */
  async dispose(): Promise<void> {
    await this.#process.stop('SIGTERM', 3_000);
    if (this.#ownsDataDir) rmSync(this.#options.dataDir, { recursive: true, force: true });
  }
}

export interface NsqlookupdOptions {
  /** Extra flags; a later `--log-level=info` overrides the default `warn` (it logs each HTTP request). */
  readonly args?: readonly string[];
  /** Fixed ports (`npm start`); free ports otherwise. */
  readonly tcpPort?: number;
  readonly httpPort?: number;
}

/** A real nsqlookupd on 127.0.0.1. */
export class Nsqlookupd {
  private constructor(
    readonly process: ManagedProcess,
    readonly tcpAddress: string,
    readonly httpAddress: string,
  ) {}

  static async start(options: NsqlookupdOptions = {}): Promise<Nsqlookupd> {
    const tcpPort = options.tcpPort ?? (await freePort());
    const httpPort = options.httpPort ?? (await freePort());
    const proc = startProcess({
      name: 'nsqlookupd',
      command: goBinary('nsqlookupd'),
      args: [
        `--tcp-address=127.0.0.1:${tcpPort}`,
        `--http-address=127.0.0.1:${httpPort}`,
        '--broadcast-address=127.0.0.1',
        '--log-level=warn',
        ...(options.args ?? []),
      ],
      ports: [tcpPort, httpPort],
    });
    const lookupd = new Nsqlookupd(proc, `127.0.0.1:${tcpPort}`, `127.0.0.1:${httpPort}`);
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`nsqlookupd exited early: ${proc.output()}`);
        const res = await fetch(`http://${lookupd.httpAddress}/ping`);
        return res.ok;
      },
      { what: `nsqlookupd on ${lookupd.httpAddress}` },
    );
    return lookupd;
  }

  /** The nsqd producers nsqlookupd lists for a topic. */
  async producers(topic: string): Promise<Array<{ broadcast_address: string; tcp_port: number }>> {
    const res = await fetch(`http://${this.httpAddress}/lookup?${new URLSearchParams({ topic })}`);
    if (res.status === 404) return [];
    const body = (await res.json()) as { producers?: Array<{ broadcast_address: string; tcp_port: number }> };
    return body.producers ?? [];
  }

  get running(): boolean {
    return this.process.running;
  }

  output(): string {
    return this.process.output();
  }

  /** Stops nsqlookupd (SIGTERM); `dispose()` afterwards is a no-op. */
  async stop(): Promise<void> {
    await this.process.stop('SIGTERM', 3_000);
  }

  async dispose(): Promise<void> {
    await this.process.stop('SIGTERM', 3_000);
  }
}
