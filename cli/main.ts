/**
 * Process entry of the CLI: real stdio, SIGINT/SIGTERM become an abort signal (long commands stop at a
 * safe point; a second Ctrl-C exits at once), and the exit code is the command's.
 */
import { ExitCode } from './lib/exit-codes.ts';
import { processIo } from './lib/io.ts';
import { runCli } from './program.ts';

// `nsq-lambda dlq list | head`: a closed pipe ends the command quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(ExitCode.ok);
});

const controller = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (controller.signal.aborted) process.exit(ExitCode.interrupted);
    controller.abort(new Error(`received ${sig}`));
  });
}

const code = await runCli(process.argv.slice(2), processIo(controller.signal));
process.exitCode = code;
// Let stdout drain, then leave even if a client kept a socket open.
process.stdout.write('', () => setImmediate(() => process.exit(code)));
