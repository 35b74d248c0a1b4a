/**
 * `nsq-lambda toggle stop|start|status`: the remote on/off switch of a function.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import type { ToggleState } from '#shared/toggle/keys';
import { badInput } from '../errors.ts';
import { ExitCode, type ExitCodeValue } from '../lib/exit-codes.ts';
import { loadAll, pick } from '../lib/functions.ts';
import { type CliIo, printJson, println } from '../lib/io.ts';
import { ENV, upstashSettings } from '../lib/settings.ts';
import { renderTable } from '../lib/table.ts';
import { formatTime } from '../lib/time.ts';
import { describePolicies, policiesOf } from '../toggle/policy.ts';
import { type ToggleStore, upstashToggleStore } from '../toggle/toggle-store.ts';
import type { CommandContext } from './context.ts';

export interface ToggleFlags {
  all?: boolean;
  note?: string;
  by?: string;
  upstashUrl?: string;
  functionsDir?: string;
  json?: boolean;
}

export const FUNCTIONS_DIR_ENV = 'NSQ_LAMBDA_FUNCTIONS_DIR';

export function functionsDirOf(flags: { functionsDir?: string }, io: CliIo): string | undefined {
  return flags.functionsDir ?? io.env[FUNCTIONS_DIR_ENV];
}

function addToggleOptions(cmd: Command): Command {
  return cmd
    .option('--all', 'every function in functions/')
    .option(
      '--upstash-url <url>',
      `Upstash REST URL (env ${ENV.upstashUrl}; the token only from ${ENV.upstashToken})`,
    )
    .option(
      '--functions-dir <dir>',
      `where the function definitions live (env ${FUNCTIONS_DIR_ENV}, default functions/)`,
    );
}

export function registerToggle(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  const toggle = program
    .command('toggle')
    .description('stop or start a function remotely, and show who did it and when')
    .addHelpText(
      'after',
      `
The toggle is the Redis key the handler middleware and the bridge read (nsq-lambda:toggle:<function>).
Stopped, a function's messages are requeued with a delay (the bridge also pauses consumption) or dropped,
as its definition's toggle policy says.

Examples:
  $ nsq-lambda toggle status
  $ nsq-lambda toggle stop html-backup --note "origin is down, INC-123"
  $ nsq-lambda toggle start --all`,
    );

  for (const state of ['stopped', 'started'] as const) {
    const verb = state === 'stopped' ? 'stop' : 'start';
    addToggleOptions(
      toggle
        .command(verb)
        .description(`${verb} functions`)
        .argument('[handlers...]', 'function names')
        .option('--note <text>', 'why (stored with who and when)')
        .option('--by <who>', 'who (default: $USER@hostname)')
        .addHelpText(
          'after',
          `
Examples:
  $ nsq-lambda toggle ${verb} html-backup${state === 'stopped' ? ' --note "origin is down"' : ''}
  $ nsq-lambda toggle ${verb} --all --json`,
        ),
    ).action(async (names: string[], flags: ToggleFlags, cmd: Command) => {
      ctx.exitCode = await toggleSet(io, state, names, { ...cmd.optsWithGlobals(), ...flags });
    });
  }

  addToggleOptions(
    toggle
      .command('status')
      .description('show each function’s toggle: state, who set it and when, the policy in force')
      .argument('[handlers...]', 'function names (default: all)')
      .addHelpText(
        'after',
        `
Examples:
  $ nsq-lambda toggle status
  $ nsq-lambda toggle status html-backup --json`,
      ),
  ).action(async (names: string[], flags: ToggleFlags, cmd: Command) => {
    ctx.exitCode = await toggleStatus(io, names, { ...cmd.optsWithGlobals(), ...flags });
  });
}

function openStore(io: CliIo, flags: ToggleFlags): ToggleStore {
  return upstashToggleStore(upstashSettings(flags.upstashUrl, io.env));
}

export async function toggleStatus(
  io: CliIo,
  names: readonly string[],
  flags: ToggleFlags,
): Promise<ExitCodeValue> {
  const all = await loadAll(functionsDirOf(flags, io));
  const chosen = pick(all, names, flags.all === true || names.length === 0);
  const store = openStore(io, flags);
  const readouts = await store.read(chosen.map((f) => f.definition.name));
  const rows = chosen.map((f) => {
    const r = readouts.get(f.definition.name);
    return {
      name: f.definition.name,
      state: r?.state ?? 'started',
      isSet: r?.isSet ?? false,
      setBy: r?.meta?.setBy ?? null,
      setAtMs: r?.meta?.setAtMs ?? null,
      note: r?.meta?.note ?? null,
      ...(r?.metaProblem ? { metaProblem: r.metaProblem } : {}),
      policies: policiesOf(f.definition),
    };
  });
  if (flags.json) printJson(io, { store: store.describe, toggles: rows });
  else {
    println(
      io.stdout,
      renderTable(
        [
          { header: 'HANDLER' },
          { header: 'STATE' },
          { header: 'SET BY' },
          { header: 'SET AT' },
          { header: 'NOTE', maxWidth: 40 },
          { header: 'WHEN STOPPED', maxWidth: 60 },
        ],
        rows.map((r) => [
          r.name,
          r.isSet ? r.state : `${r.state} (never set)`,
          r.setBy ?? '',
          r.setAtMs === null ? '' : formatTime(r.setAtMs),
          r.note ?? r.metaProblem ?? '',
          describePolicies(r.policies),
        ]),
      ),
    );
  }
  return ExitCode.ok;
}

export async function toggleSet(
  io: CliIo,
  state: ToggleState,
  names: readonly string[],
  flags: ToggleFlags,
): Promise<ExitCodeValue> {
  const all = await loadAll(functionsDirOf(flags, io));
  const chosen = pick(all, names, flags.all === true);
  if (flags.note !== undefined && flags.note.length > 500) throw badInput('--note: at most 500 characters');
  const store = openStore(io, flags);
  const meta = {
    setBy: flags.by ?? `${io.env.USER ?? io.env.LOGNAME ?? 'unknown'}@${hostname()}`,
    setAtMs: io.now(),
    ...(flags.note ? { note: flags.note } : {}),
  };
  await store.write(
    chosen.map((f) => f.definition.name),
    state,
    meta,
  );
  if (flags.json) {
    printJson(io, {
      store: store.describe,
      state,
      ...meta,
      handlers: chosen.map((f) => ({ name: f.definition.name, policies: policiesOf(f.definition) })),
    });
  } else {
    for (const f of chosen) {
      const policies = policiesOf(f.definition);
      println(
        io.stdout,
        `${state} ${f.definition.name}${state === 'stopped' ? ` (${describePolicies(policies)})` : ''}`,
      );
      if (state === 'stopped' && policies.some((p) => p.policy === 'drop')) {
        println(
          io.stderr,
          `warning: ${f.definition.name} has the drop policy: its messages are finished without work while stopped`,
        );
      }
    }
  }
  return ExitCode.ok;
}
