/**
 * Finds every function: each folder under functions/ that has a definition.ts. Adding a folder is
 * enough; infra/, the local Lambda server and the bridge config all read this list. It lives in
 * shared/ (not functions/) so that the layers below functions/ can use it: it reads function folders
 * by path and imports nothing from them statically.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FunctionDefinition } from '#shared/functions/definition';

/** The project's functions/ folder. */
export const functionsDir = fileURLToPath(new URL('../../functions', import.meta.url));

export interface LoadedFunction {
  readonly definition: FunctionDefinition;
  /** Absolute path of the function's folder. */
  readonly dir: string;
  /** Absolute path of the handler entry file. */
  readonly entryPath: string;
}

export function functionFolders(root = functionsDir): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'definition.ts')))
    .map((d) => d.name)
    .sort();
}

export async function loadFunctions(root = functionsDir): Promise<LoadedFunction[]> {
  const loaded: LoadedFunction[] = [];
  for (const folder of functionFolders(root)) {
    const dir = join(root, folder);
    const mod = (await import(pathToFileURL(join(dir, 'definition.ts')).href)) as {
      default?: FunctionDefinition;
    };
    const definition = mod.default;
    if (!definition)
      throw new Error(`functions/${folder}/definition.ts has no default export (use defineFunction)`);
    if (definition.name !== folder) {
      throw new Error(
        `functions/${folder}/definition.ts is named ${JSON.stringify(definition.name)}; it must equal its folder name`,
      );
    }
    const entryPath = join(dir, definition.entry);
    if (!existsSync(entryPath))
      throw new Error(`functions/${folder}: entry ${definition.entry} does not exist`);
    loaded.push({ definition, dir, entryPath });
  }
  return loaded;
}

export async function loadFunction(name: string, root = functionsDir): Promise<LoadedFunction> {
  const all = await loadFunctions(root);
  const found = all.find((f) => f.definition.name === name);
  if (!found) {
    throw new Error(
      `unknown function ${JSON.stringify(name)}; known: ${all.map((f) => f.definition.name).join(', ') || '(none)'}`,
    );
  }
  return found;
}

/** The functions that run on `target` ('lambda': served by the local Lambda, deployed by infra/; 'edge': workerd). */
export function functionsFor<F extends { readonly definition: FunctionDefinition }>(
  functions: readonly F[],
  target: FunctionDefinition['target'],
): F[] {
  return functions.filter((f) => f.definition.target === target);
}
