// Types of dev/node.mjs (plain ESM so it runs on any Node) for the TypeScript that imports it.
/** The Node major every script runs under (Lambda's nodejs24.x). */
export declare const REQUIRED_MAJOR: number;
/** The directory of a `node` binary of at least REQUIRED_MAJOR, installing the pinned one when needed. */
export declare function ensureNodeBinDir(): string;
