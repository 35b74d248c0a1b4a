/**
 * What the benchmark ran on: CPU, memory, kernel, Node, the nsq binaries' and the npm packages'
 * versions, the git commit and the load average (the machine is shared).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { goBinary, projectRoot } from '#dev/services/binaries';
import type { EnvironmentInfo } from './results.ts';

function run(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, [...args], {
      encoding: 'utf8',
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'node_modules', name, 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

export function loadAverage(): number[] {
  return os.loadavg().map((l) => Number(l.toFixed(2)));
}

export function environmentInfo(loadAverageStart: readonly number[]): EnvironmentInfo {
  const cpus = os.cpus();
  // The benchmark's own outputs (rewritten as each section ends) do not make the tree dirty.
  const dirty =
    run('git', [
      'status',
      '--porcelain',
      '--untracked-files=no',
      '--',
      '.',
      ':(exclude)docs/BENCHMARKS.md',
      ':(exclude)docs/benchmarks',
    ]) !== '';
  return {
    cpuModel: (cpus[0]?.model ?? 'unknown').trim(),
    cpus: cpus.length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    versions: {
      nsqd: run(goBinary('nsqd'), ['--version']),
      nsq_to_http: run(goBinary('nsq_to_http'), ['--version']),
      nsqjs: packageVersion('nsqjs'),
      '@aws-sdk/client-lambda': packageVersion('@aws-sdk/client-lambda'),
      '@smithy/node-http-handler': packageVersion('@smithy/node-http-handler'),
      tsx: packageVersion('tsx'),
    },
    gitCommit: `${run('git', ['rev-parse', '--short', 'HEAD'])}${dirty ? ' (with uncommitted changes)' : ''}`,
    loadAverageStart: [...loadAverageStart],
    loadAverageEnd: loadAverage(),
  };
}
