#!/usr/bin/env node
// Runs a command under Node.js >= 24 (Lambda's nodejs24.x), whatever the machine's own Node is.
//
//   node dev/node.mjs <command> [args...]
//
// This file itself must run on old Node versions (the machine's Node 20), so it
// is plain ESM with no dependencies. When the current Node is older than
// REQUIRED_MAJOR it installs the pinned `node` package from the npm registry
// (the package carries the official binary) into .cache/node, then runs the
// command with that binary first on PATH. A .cache/node holding another version
// (an older pin) is replaced. Signals are forwarded and the exit
// code is passed through. When its own parent dies (npm ends on a SIGHUP without
// forwarding it, or is killed), the command gets a SIGHUP, as from a closed terminal.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REQUIRED_MAJOR = 24;
const PINNED_NODE = '24.21.0';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, '.cache', 'node');
const binDir = join(cacheDir, 'node_modules', 'node', 'bin');

function major(version) {
  return Number(version.replace(/^v/, '').split('.')[0]);
}

function installedVersion() {
  try {
    return JSON.parse(readFileSync(join(cacheDir, 'node_modules', 'node', 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

export function ensureNodeBinDir() {
  if (major(process.version) >= REQUIRED_MAJOR) return dirname(process.execPath);
  const nodeBin = join(binDir, 'node');
  if (existsSync(nodeBin) && installedVersion() === PINNED_NODE) return binDir;
  process.stderr.write(
    `node ${process.version} is older than ${REQUIRED_MAJOR}; installing node@${PINNED_NODE} into .cache/node\n`,
  );
  const res = spawnSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      '--prefix',
      cacheDir,
      `node@${PINNED_NODE}`,
    ],
    { stdio: 'inherit' },
  );
  if (res.status !== 0 || !existsSync(nodeBin)) {
    process.stderr.write(`could not install node@${PINNED_NODE} (npm exited ${res.status})\n`);
    process.exit(1);
  }
  return binDir;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const [cmd, ...args] = process.argv.slice(2);
  const dir = ensureNodeBinDir();
  if (!cmd) {
    process.stdout.write(`${join(dir, 'node')}\n`);
    process.exit(0);
  }
  const env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
  const child = spawn(cmd, args, { stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => child.kill(sig));
  }
  const parent = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(parentWatch);
    child.kill('SIGHUP');
  }, 200);
  parentWatch.unref();
  child.on('error', (err) => {
    process.stderr.write(`cannot run ${cmd}: ${err.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
