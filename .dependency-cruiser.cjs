/**
 * The project's layers, checked by `npm run lint` (dependency-cruiser):
 *
 *   test, docs/snippets        may import anything
 *   cli, bench                 on top: anything below, not each other
 *   dev, infra                 beside bridge and functions: shared, bridge, functions
 *   bridge, functions          on shared only (two deployables: never each other); the bridge's
 *                              adapters on its ports, never on its engine
 *   shared                     the bottom: nothing of ours
 *
 * The handler kit has one import surface outside shared/: #shared/handler (shared/handler/index.ts).
 *
 * No import cycles anywhere, and every import must resolve (an unresolved `#shared/...` would
 * otherwise slip past every rule).
 */
const ours = (...layers) => `^(${layers.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle: break it (move the shared part down, or pass it in).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve: the layer rules cannot see where it goes.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'shared-is-the-bottom',
      comment: 'shared/ is used by every layer and imports none of them.',
      severity: 'error',
      from: { path: ours('shared') },
      to: { path: ours('bridge', 'functions', 'dev', 'infra', 'cli', 'bench', 'test', 'docs') },
    },
    {
      name: 'bridge-on-shared',
      comment: 'bridge/ builds on shared/ only.',
      severity: 'error',
      from: { path: ours('bridge') },
      to: { path: ours('functions', 'dev', 'infra', 'cli', 'bench', 'test', 'docs') },
    },
    {
      name: 'adapters-on-ports',
      comment:
        'The bridge adapters (NSQ, Lambda, dead letters, claim checks, observability, backlog) depend on ports.ts and events.ts, never on the engine.',
      severity: 'error',
      from: { path: '^bridge/src/(nsq|lambda|dead-letter|claim-check|observability|backlog)/' },
      to: {
        path: '^bridge/src/(engine/.*|delivery|bridge|aimd-limiter|backoff|touch-manager|throttle-requeues|main)\\.ts$',
      },
    },
    {
      name: 'functions-on-shared',
      comment: 'functions/ builds on shared/ only.',
      severity: 'error',
      from: { path: ours('functions') },
      to: { path: ours('bridge', 'dev', 'infra', 'cli', 'bench', 'test', 'docs') },
    },
    {
      name: 'dev-beside',
      comment: 'dev/ (local stand-ins, scripts) builds on shared/, bridge/ and functions/.',
      severity: 'error',
      from: { path: ours('dev') },
      to: { path: ours('infra', 'cli', 'bench', 'test', 'docs') },
    },
    {
      name: 'infra-beside',
      comment: 'infra/ (the CDK app) builds on shared/, bridge/ and functions/.',
      severity: 'error',
      from: { path: ours('infra') },
      to: { path: ours('dev', 'cli', 'bench', 'test', 'docs') },
    },
    {
      name: 'cli-on-top',
      comment: 'cli/ may use every layer below it, not bench/ or the tests.',
      severity: 'error',
      from: { path: ours('cli') },
      to: { path: ours('bench', 'test', 'docs') },
    },
    {
      name: 'bench-on-top',
      comment:
        'bench/ may use every layer below it, not cli/ or the tests. Known exception: the scriptable Invoke responder (test/harness/invoke-responder.ts), a Lambda stand-in that belongs in dev/.',
      severity: 'error',
      from: { path: ours('bench') },
      to: { path: ours('cli', 'test', 'docs'), pathNot: '^test/harness/invoke-responder\\.ts$' },
    },
    {
      name: 'handler-kit-surface',
      comment:
        "Outside shared/ (and the kit's own unit and fuzz tests), the handler kit is imported from its one surface, #shared/handler (shared/handler/index.ts).",
      severity: 'error',
      from: {
        path: '^(functions|docs|cli|bench|dev|infra|bridge|test)/',
        pathNot: '^test/(unit/shared|fuzz)/',
      },
      to: { path: '^shared/handler/', pathNot: '^shared/handler/index\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|\\.cache|cdk\\.out|dist)/' },
    // Type-only imports count: a cycle through types is still a cycle for the reader.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.cjs', '.d.ts'],
    },
  },
};
