/**
 * Reads an environment variable where there is one. Edge runtimes (workerd without nodejs_compat,
 * Vercel Edge) have no `process`: there the answer is always undefined and configuration comes from the
 * request's bindings instead (see toFetchHandler).
 */
export function envVar(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name];
}
