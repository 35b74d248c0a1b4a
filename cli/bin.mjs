#!/usr/bin/env node
// The `nsq-lambda` executable (package.json "bin"). Plain ESM so it starts on any Node: it re-runs
// itself under Node 24 (the project's trampoline, dev/node.mjs) when the current Node is older, then
// loads the TypeScript CLI through tsx.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const major = Number(process.versions.node.split('.')[0]);
const { REQUIRED_MAJOR, ensureNodeBinDir } = await import(join(here, '..', 'dev', 'node.mjs'));

if (major < REQUIRED_MAJOR) {
  const node = join(ensureNodeBinDir(), 'node');
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
