/**
 * `nsq-lambda new handler <name>`: a new function from functions/template, with its definition and test.
 */
import { dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { functionsDir } from '#shared/functions/loader';
import { CliError, errorChain } from '../errors.ts';
import { ExitCode, type ExitCodeValue } from '../lib/exit-codes.ts';
import { type CliIo, printJson, println } from '../lib/io.ts';
import { planNewHandler, writePlanned } from '../scaffold/new-handler.ts';
import type { CommandContext } from './context.ts';

interface NewHandlerFlags {
  topic?: string;
  channel?: string;
  description?: string;
  root?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function registerNew(program: Command, ctx: CommandContext): void {
  const scaffold = program
    .command('new')
    .description('create project files from templates')
    .addHelpText(
      'after',
      `
Examples:
  $ nsq-lambda new handler resize-image`,
    );
  scaffold
    .command('handler')
    .description('scaffold a function from functions/template: handler, definition and a passing test')
    .argument(
      '<name>',
      'lowercase letters, digits and dashes, starting with a letter (becomes the folder name)',
    )
    .option('--topic <topic>', 'the NSQ topic it reads (default: the name)')
    .option('--channel <channel>', 'the NSQ channel (default: the name)')
    .option('--description <text>', 'one line for the definition')
    .option('--root <dir>', 'the project root (default: this project)')
    .option('--dry-run', 'list the files, write nothing')
    .addHelpText(
      'after',
      `
Right after it, the project still type-checks and the new test passes; edit the body schema and handle().

Examples:
  $ nsq-lambda new handler resize-image
  $ nsq-lambda new handler resize-image --topic images --channel resize --description "thumbnails"`,
    )
    .action(async (name: string, flags: NewHandlerFlags, cmd: Command) => {
      ctx.exitCode = newHandler(ctx.io, name, { ...cmd.optsWithGlobals(), ...flags });
    });
}

export function newHandler(io: CliIo, name: string, flags: NewHandlerFlags): ExitCodeValue {
  const root = flags.root ? resolve(io.cwd, flags.root) : dirname(functionsDir);
  const files = planNewHandler({
    root,
    name,
    ...(flags.topic ? { topic: flags.topic } : {}),
    ...(flags.channel ? { channel: flags.channel } : {}),
    ...(flags.description ? { description: flags.description } : {}),
  });
  if (!flags.dryRun) {
    try {
      writePlanned(root, files);
    } catch (err) {
      throw new CliError(`could not write the files: ${errorChain(err)}`, ExitCode.failed, { cause: err });
    }
  }
  const paths = files.map((f) => f.path);
  if (flags.json) printJson(io, { root, name, dryRun: !!flags.dryRun, files: paths });
  else {
    println(
      io.stdout,
      `${flags.dryRun ? 'would create' : 'created'} ${name} in ${relative(io.cwd, root) || '.'}:`,
    );
    for (const p of paths) println(io.stdout, `  ${p}`);
    if (!flags.dryRun) {
      println(io.stdout, '');
      println(io.stdout, 'next: edit the body schema and handle() in the handler, then');
      const test = paths.find((p) => p.endsWith('.test.ts'));
      println(io.stdout, `  npm run typecheck${test ? ` && node dev/node.mjs npx vitest run ${test}` : ''}`);
      println(io.stdout, `  nsq-lambda invoke ${name} --body message.json`);
    }
  }
  return ExitCode.ok;
}
