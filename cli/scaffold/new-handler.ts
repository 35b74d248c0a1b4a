/**
 * Scaffolds a function from functions/template: its folder (handler and any other file copied with the
 * name substituted), a fresh definition.ts, and its test (from the template's test). Nothing is
 * overwritten; on a failure midway, what was written is removed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { nsqNameSchema } from '#shared/contract/batch-event';
import { functionNameSchema } from '#shared/functions/definition';
import { badInput } from '../errors.ts';

export const TEMPLATE_NAME = 'template';

export interface NewHandlerOptions {
  /** The project root (holds functions/ and test/). */
  readonly root: string;
  readonly name: string;
  readonly topic?: string;
  readonly channel?: string;
  readonly description?: string;
  readonly dryRun?: boolean;
}

export interface PlannedFile {
  /** Relative to the root. */
  readonly path: string;
  readonly content: string;
}

function substitute(text: string, name: string): string {
  return text.replace(new RegExp(`\\b${TEMPLATE_NAME}\\b`, 'g'), name);
}

/** A single-quoted TypeScript string literal (the project's Biome style). */
export function tsString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function definitionSource(o: { name: string; description: string; topic: string; channel: string }): string {
  return `import { defineFunction } from '#shared/functions/definition';

export default defineFunction({
  name: ${tsString(o.name)},
  description: ${tsString(o.description)},
  subscriptions: [{ topic: ${tsString(o.topic)}, channel: ${tsString(o.channel)} }],
});
`;
}

function validate(
  what: string,
  schema: typeof nsqNameSchema | typeof functionNameSchema,
  value: string,
): void {
  const r = schema.safeParse(value);
  if (!r.success)
    throw badInput(`${what} ${JSON.stringify(value)} ${r.error.issues[0]?.message ?? 'is invalid'}`);
}

export function planNewHandler(o: NewHandlerOptions): PlannedFile[] {
  validate('handler name', functionNameSchema, o.name);
  if (o.name === TEMPLATE_NAME)
    throw badInput(`"${TEMPLATE_NAME}" is the template itself; pick another name`);
  const topic = o.topic ?? o.name;
  const channel = o.channel ?? o.name;
  validate('--topic', nsqNameSchema, topic);
  validate('--channel', nsqNameSchema, channel);
  const templateDir = join(o.root, 'functions', TEMPLATE_NAME);
  if (!existsSync(join(templateDir, 'definition.ts'))) {
    throw badInput(
      `no template at ${relative(o.root, templateDir) || templateDir}; run this in the nsq-lambda project`,
    );
  }
  const targetDir = join('functions', o.name);
  if (existsSync(join(o.root, targetDir))) throw badInput(`${targetDir} already exists; pick another name`);

  const files: PlannedFile[] = [];
  for (const entry of readdirSync(templateDir)) {
    if (entry === 'definition.ts' || !statSync(join(templateDir, entry)).isFile()) continue;
    files.push({
      path: join(targetDir, entry),
      content: substitute(readFileSync(join(templateDir, entry), 'utf8'), o.name),
    });
  }
  files.push({
    path: join(targetDir, 'definition.ts'),
    content: definitionSource({
      name: o.name,
      description: o.description ?? `TODO: what ${o.name} does.`,
      topic,
      channel,
    }),
  });
  const templateTest = join('test', 'integration', 'functions', `${TEMPLATE_NAME}.test.ts`);
  const test = join('test', 'integration', 'functions', `${o.name}.test.ts`);
  if (existsSync(join(o.root, test))) throw badInput(`${test} already exists; pick another name`);
  if (existsSync(join(o.root, templateTest))) {
    files.push({ path: test, content: substitute(readFileSync(join(o.root, templateTest), 'utf8'), o.name) });
  }
  return files;
}

/** Writes the planned files; removes what it wrote when one write fails. */
export function writePlanned(root: string, files: readonly PlannedFile[]): void {
  const written: string[] = [];
  try {
    for (const f of files) {
      const abs = join(root, f.path);
      mkdirSync(join(abs, '..'), { recursive: true });
      writeFileSync(abs, f.content, { flag: 'wx' });
      written.push(abs);
    }
  } catch (err) {
    for (const w of written.reverse()) rmSync(w, { force: true });
    throw err;
  }
}
