/**
 * Runs the CLI in-process with captured output, or as a real child process through its bin.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { CliIo } from '#cli/lib/io';
import { runCli } from '#cli/program';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

export interface CaptureOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  signal?: AbortSignal;
  stdinText?: string;
  stdinIsTTY?: boolean;
  stdoutIsTTY?: boolean;
  now?: () => number;
}

export function captureIo(options: CaptureOptions = {}) {
  const out: Buffer[] = [];
  const err: string[] = [];
  const stdin = Readable.from(options.stdinText === undefined ? [] : [options.stdinText]) as Readable & {
    isTTY?: boolean;
  };
  if (options.stdinIsTTY) stdin.isTTY = true;
  const io: CliIo = {
    stdout: {
      write: (c: string | Uint8Array) => out.push(Buffer.from(c)),
      isTTY: options.stdoutIsTTY ?? false,
    },
    stderr: { write: (c: string | Uint8Array) => err.push(String(c)), isTTY: false },
    stdin,
    env: options.env ?? {},
    cwd: options.cwd ?? mkdtempSync(join(tmpdir(), 'cli-cwd-')),
    signal: options.signal ?? new AbortController().signal,
    now: options.now ?? Date.now,
  };
  return {
    io,
    /** What was written to stdout so far. */
    peek: () => Buffer.concat(out).toString('utf8'),
    result: (code: number): CliRun => ({
      code,
      stdout: Buffer.concat(out).toString('utf8'),
      stdoutBytes: Buffer.concat(out),
      stderr: err.join(''),
    }),
  };
}

/** Runs `nsq-lambda <argv>` in this process. */
export async function cli(argv: readonly string[], options: CaptureOptions = {}): Promise<CliRun> {
  const { io, result } = captureIo(options);
  return result(await runCli(argv, io));
}

export const CLI_BIN = join(import.meta.dirname, '..', '..', '..', 'cli', 'bin.mjs');

/** Starts `nsq-lambda <argv>` as a child process (the real bin, under this Node). */
export function spawnCli(
  argv: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
) {
  const child = spawn(process.execPath, [CLI_BIN, ...argv], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<CliRun>((resolve) => {
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal === 'SIGKILL' ? 137 : 128),
        stdout,
        stdoutBytes: Buffer.from(stdout),
        stderr,
      }),
    );
  });
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** True when the text looks like a stack trace. */
export function hasStackTrace(text: string): boolean {
  return /\n\s+at .+:\d+:\d+/.test(text);
}
