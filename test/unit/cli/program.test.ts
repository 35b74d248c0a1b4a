import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '#cli/lib/exit-codes';
import { buildProgram } from '#cli/program';
import { captureIo, cli } from '#test/integration/cli/cli-harness';

function leaves(cmd: Command, path: string[] = []): string[][] {
  const subs = cmd.commands.filter((c) => c.name() !== 'help');
  if (subs.length === 0) return [path];
  return [path, ...subs.flatMap((c) => leaves(c, [...path, c.name()]))];
}

describe('nsq-lambda program', () => {
  const { io } = captureIo();
  const all = leaves(buildProgram({ io, exitCode: ExitCode.ok }));

  it('has every command of the issue', () => {
    const names = all.map((p) => p.join(' '));
    for (const c of [
      'toggle stop',
      'toggle start',
      'toggle status',
      'dlq list',
      'dlq show',
      'dlq replay',
      'dlq purge',
      'status',
      'new handler',
      'invoke',
    ]) {
      expect(names).toContain(c);
    }
  });

  it.each(all.map((p) => [p.join(' ') || '(root)', p]))(
    '--help of %s exits 0 and shows examples',
    async (_name, path) => {
      const r = await cli([...(path as string[]), '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: nsq-lambda');
      expect(r.stdout).toContain('Examples:');
    },
  );

  it('exits 2 with a hint on a usage error, without a stack trace', async () => {
    const unknown = await cli(['dlq', 'lst']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'lst'");
    expect(unknown.stderr).toContain('(add --help for usage)');
    const missing = await cli(['dlq', 'show']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'id-or-key'");
    const option = await cli(['status', '--bogus']);
    expect(option.code).toBe(2);
  });

  it('accepts --json after the subcommand', async () => {
    const r = await cli(['dlq', 'list', '--json'], { env: {} });
    // Reaches the command (which then needs a bucket): the option was parsed, not rejected.
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--bucket');
  });
});
