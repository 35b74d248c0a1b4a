import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binDir = join(projectRoot, '.cache', 'bin');

export type GoBinary =
  | 'nsqd'
  | 'nsqlookupd'
  | 'nsqadmin'
  | 'nsq_to_http'
  | 'to_nsq'
  | 'minio'
  | 'aws-lambda-rie';

/** Path of a binary built by dev/build-binaries.sh; throws with the fix when it is missing. */
export function goBinary(name: GoBinary): string {
  const path = join(binDir, name);
  if (!existsSync(path)) {
    throw new Error(`${name} is not built: run \`npm run binaries\` (looked for ${path})`);
  }
  return path;
}

/** Runs dev/build-binaries.sh (a no-op when everything is cached). */
export function buildBinaries(): void {
  execFileSync('bash', [join(projectRoot, 'dev', 'build-binaries.sh')], { stdio: 'inherit' });
}

/**
 * dev/build-binaries.sh for `npm start` and `npm run bench`, which run it themselves (no shell step
 * between npm and Node to swallow a signal): in its own process group, so `stop()` ends the script and
 * the `go build` it runs. Without the Node runtime interface client (SKIP_RIC=1): neither needs it, and it
 * is a native build that wants cmake and friends.
 */
export function buildBinariesStoppable(): { done: Promise<void>; stop: () => void } {
  const child = spawn('bash', [join(projectRoot, 'dev', 'build-binaries.sh')], {
    env: { ...process.env, SKIP_RIC: '1' },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(new Error('could not run dev/build-binaries.sh', { cause: err })));
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`dev/build-binaries.sh failed (${signal ?? `exit code ${code}`})`)),
    );
  });
  const stop = () => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  return { done, stop };
}

/** Finds a system binary such as redis-server on PATH or in the usual Debian places. */
export function systemBinary(name: string): string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/usr/sbin', '/usr/local/bin']) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${name} not found on PATH: install it (Debian: apt-get install -y ${name})`);
}
