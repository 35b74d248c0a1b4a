/**
 * The project's functions (shared/functions/loader.ts) as the CLI needs them: names, definitions, and one
 * clear error for an unknown name or a broken definition.
 */
import { type LoadedFunction, loadFunctions } from '#shared/functions/loader';
import { badInput, errorChain } from '../errors.ts';

export async function loadAll(root: string | undefined): Promise<LoadedFunction[]> {
  try {
    return root === undefined ? await loadFunctions() : await loadFunctions(root);
  } catch (err) {
    throw badInput(`cannot load the function definitions: ${errorChain(err).split('\n')[0]}`, err);
  }
}

/** The named functions, or all with `all`; throws one line naming the unknown ones and the known ones. */
export function pick(
  all: readonly LoadedFunction[],
  names: readonly string[],
  allFlag: boolean,
): LoadedFunction[] {
  if (allFlag) {
    if (names.length > 0) throw badInput('give handler names or --all, not both');
    return [...all];
  }
  if (names.length === 0) throw badInput('name a handler, or pass --all');
  const known = new Map(all.map((f) => [f.definition.name, f]));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw badInput(
      `unknown handler ${unknown.map((n) => JSON.stringify(n)).join(', ')}; known: ${[...known.keys()].join(', ') || '(none)'}`,
    );
  }
  return names.map((n) => known.get(n) as LoadedFunction);
}
