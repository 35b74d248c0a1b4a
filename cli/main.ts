/**
 * Process entry of the CLI: real stdio, SIGINT/SIGTERM become an abort signal (long commands stop at a
 * safe point; another Ctrl-C a second later exits at once), and the exit code is the command's.
 */
import { ExitCode } from './lib/exit-codes.ts';
import { processIo } from './lib/io.ts';
import { runCli } from './program.ts';

// `nsq-lambda dlq list | head`: a closed pipe ends the command quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(ExitCode.ok);
});

const controller = new AbortController();
// Ctrl-C reaches this process from the terminal and, a moment later, again from a parent that forwards
// signals (npm run, the Node-version trampoline in bin.mjs): a repeat within this window is the same
// Ctrl-C. Only a later one means "exit now".
const REPEAT_WINDOW_MS = 1_000;
let firstSignalAtMs: number | undefined;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (firstSignalAtMs === undefined) {
      firstSignalAtMs = Date.now();
      controller.abort(new Error(`received ${sig}`));
    } else if (Date.now() - firstSignalAtMs > REPEAT_WINDOW_MS) process.exit(ExitCode.interrupted);
  });
}

const code = await runCli(process.argv.slice(2), processIo(controller.signal));
process.exitCode = code;
// Let stdout drain, then leave even if a client kept a socket open.
process.stdout.write('', () => setImmediate(() => process.exit(code)));
