/**
 * Injected into edge bundles (edge-bundling.ts) for the dependencies that read the `process` global
 * (Powertools reads process.env): the runtime's own `process` where it has one, otherwise an empty
 * environment. Handlers take their configuration from the request's bindings, not from here.
 */
export const process: { env: Record<string, string | undefined> } = (
  globalThis as { process?: { env: Record<string, string | undefined> } }
).process ?? { env: {} };
