/**
 * The `nsq-lambda` command line: commander wiring only. Each command's logic lives in its own module
 * and takes a CliIo, so the whole CLI runs in-process in tests.
 */
import { Command, CommanderError } from 'commander';
import type { CommandContext } from './commands/context.ts';
import { registerDlq } from './commands/dlq.ts';
import { registerInvoke } from './commands/invoke.ts';
import { registerNew } from './commands/new-handler.ts';
import { registerStatus } from './commands/status.ts';
import { registerToggle } from './commands/toggle.ts';
import { CliError, errorChain } from './errors.ts';
import { ExitCode, type ExitCodeValue } from './lib/exit-codes.ts';
import { type CliIo, println } from './lib/io.ts';

export const CLI_NAME = 'nsq-lambda';

export function buildProgram(ctx: CommandContext): Command {
  const { io } = ctx;
  const program = new Command(CLI_NAME)
    .description('operate nsq-lambda: the toggle, dead letters, queue status, new handlers, local invokes')
    .option('--json', 'machine-readable JSON on stdout')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(s),
    })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 something failed, 2 usage, 3 bad input (unknown handler, malformed file),
4 a service is unreachable, 5 needs a decision (confirmation, uncertain replay), 130 interrupted.

Examples:
  $ nsq-lambda status --watch
  $ nsq-lambda toggle stop html-backup --note "origin is down"
  $ nsq-lambda dlq list --handler html-backup --since 2h
  $ nsq-lambda new handler resize-image
  $ nsq-lambda invoke template --body message.json`,
    );
  registerStatus(program, ctx);
  registerToggle(program, ctx);
  registerDlq(program, ctx);
  registerNew(program, ctx);
  registerInvoke(program, ctx);
  // Every subcommand reports errors the same way.
  const configure = (cmd: Command) => {
    for (const sub of cmd.commands) {
      sub.exitOverride().showHelpAfterError('(add --help for usage)');
      sub.configureOutput({
        writeOut: (s) => io.stdout.write(s),
        writeErr: (s) => io.stderr.write(s),
      });
      configure(sub);
    }
  };
  configure(program);
  return program;
}

/** Runs the CLI on `argv` (without the node and script paths) and returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  const ctx: CommandContext = { io, exitCode: ExitCode.ok };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return ExitCode.ok;
      // commander.executeSubCommandAsync etc. never happen here; everything else is usage.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof CliError) {
      println(io.stderr, `${CLI_NAME}: ${err.message}`);
      debugStack(io, err);
      return err.exitCode;
    }
    println(io.stderr, `${CLI_NAME}: unexpected error: ${errorChain(err)}`);
    debugStack(io, err);
    return ExitCode.failed;
  }
}

function debugStack(io: CliIo, err: unknown): void {
  if (io.env.NSQ_LAMBDA_DEBUG && err instanceof Error) println(io.stderr, err.stack ?? '');
}
