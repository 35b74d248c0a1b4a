/**
 * The bridge as it ships: the esbuild bundle of bridge/src/main.ts built by the command in
 * bridge/Dockerfile and run with the image's node flags, so the benchmark measures the production
 * artefact rather than tsx compiling TypeScript on the fly. Also maps profile frames in the bundle
 * back to their sources.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '#dev/services/binaries';
import type { FrameMapper } from './cpu-profile.ts';

export const bridgeBundleDir = join(projectRoot, '.cache', 'bench', 'bridge');
const dockerfilePath = join(projectRoot, 'bridge', 'Dockerfile');

/** The Dockerfile with its `\`-continued lines joined into one line each. */
function joinContinuations(dockerfile: string): string {
  return dockerfile.replace(/\\\r?\n/g, ' ');
}

/**
 * The `RUN npx esbuild …` command of the Dockerfile's build stage (continuation lines joined), writing
 * to `outDir` instead: its `--outdir` becomes `outDir`, or its `--outfile` keeps its file name inside
 * `outDir`. Undefined when there is no such command or it names neither.
 */
export function dockerfileEsbuildCommand(dockerfile: string, outDir: string): string | undefined {
  const joined = joinContinuations(dockerfile);
  const line = joined.split(/\r?\n/).find((l) => /^\s*RUN\s+npx\s+esbuild\s/.test(l));
  if (!line || !/--out(?:dir|file)=\S+/.test(line)) return undefined;
  return line
    .replace(/^\s*RUN\s+npx\s+esbuild\s+/, '')
    .replace(/--outdir=\S+/, `--outdir=${outDir}`)
    .replace(/--outfile=(?:\S*\/)?([^\s/]+)/, (_, name: string) => `--outfile=${outDir}/${name}`)
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The environment the image's `ENV` instructions set (`KEY=value`, `KEY="a b"` or `KEY='a b'` pairs),
 * NODE_OPTIONS included; later instructions win.
 */
export function dockerfileEnv(dockerfile: string): Record<string, string> {
  const joined = joinContinuations(dockerfile);
  const env: Record<string, string> = {};
  for (const line of joined.split(/\r?\n/)) {
    const m = /^\s*ENV\s+(.*)$/.exec(line);
    if (!m?.[1]) continue;
    for (const pair of m[1].matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|'([^']*)'|(\S*))/g)) {
      if (pair[1]) env[pair[1]] = pair[2] ?? pair[3] ?? pair[4] ?? '';
    }
  }
  return env;
}

/** The image's `NODE_OPTIONS` (from an `ENV` instruction), split into flags; undefined when unset. */
export function dockerfileNodeOptions(dockerfile: string): string[] | undefined {
  return dockerfileEnv(dockerfile).NODE_OPTIONS?.split(/\s+/).filter(Boolean);
}

/** The image's environment (see `dockerfileEnv`) without NODE_OPTIONS (given as node flags instead). */
export function imageEnv(): Record<string, string> {
  try {
    const { NODE_OPTIONS: _, ...rest } = dockerfileEnv(readFileSync(dockerfilePath, 'utf8'));
    return rest;
  } catch {
    return {};
  }
}

/**
 * The flags the image's exec-form `CMD ["node", …flags, "script"]` gives node (V8 flags such as
 * `--heap-growing-percent` are refused in NODE_OPTIONS, so they sit there); [] when there are none.
 */
export function dockerfileCmdNodeFlags(dockerfile: string): string[] {
  const joined = joinContinuations(dockerfile);
  const cmd = joined
    .split(/\r?\n/)
    .filter((l) => /^\s*CMD\s+\[/.test(l))
    .at(-1);
  if (!cmd) return [];
  let args: unknown;
  try {
    args = JSON.parse(cmd.replace(/^\s*CMD\s+/, ''));
  } catch {
    return [];
  }
  if (!Array.isArray(args) || args[0] !== 'node') return [];
  return args.slice(1, -1).filter((a): a is string => typeof a === 'string' && a.startsWith('-'));
}

/** The Node flags the image runs the bridge with: its NODE_OPTIONS, then its CMD's node flags. */
export function dockerfileNodeArgs(dockerfile: string): string[] {
  return [...(dockerfileNodeOptions(dockerfile) ?? []), ...dockerfileCmdNodeFlags(dockerfile)];
}

/** The Node flags the image runs the bridge with (see `dockerfileNodeArgs`), `--enable-source-maps` if unreadable. */
export function imageNodeArgs(): string[] {
  try {
    return dockerfileNodeArgs(readFileSync(dockerfilePath, 'utf8'));
  } catch {
    return ['--enable-source-maps'];
  }
}

/**
 * Builds `.cache/bench/bridge/` (bridge.mjs, its chunks and source maps) with the esbuild command of
 * bridge/Dockerfile, so the benchmark measures exactly what the image ships; falls back to the same
 * options through the esbuild API when the Dockerfile has no such command. Returns the entry's path.
 */
export async function buildBridgeBundle(): Promise<string> {
  const entry = join(bridgeBundleDir, 'bridge.mjs');
  let dockerfile = '';
  try {
    dockerfile = readFileSync(dockerfilePath, 'utf8');
  } catch {
    // No Dockerfile: use the built-in options below.
  }
  // Chunk names carry content hashes: start empty so no stale chunk is left behind.
  rmSync(bridgeBundleDir, { recursive: true, force: true });
  const command = dockerfileEsbuildCommand(dockerfile, bridgeBundleDir);
  if (command) {
    const esbuild = join(projectRoot, 'node_modules', '.bin', 'esbuild');
    execFileSync('sh', ['-c', `"${esbuild}" ${command} --log-level=warning`], {
      cwd: projectRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    return entry;
  }
  const { build } = await import('esbuild');
  await build({
    absWorkingDir: projectRoot,
    entryPoints: ['bridge/src/main.ts'],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    external: ['snappystream'],
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    banner: {
      js: "import { createRequire as __bridgeCreateRequire } from 'node:module'; const require = __bridgeCreateRequire(import.meta.url);",
    },
    splitting: true,
    entryNames: 'bridge',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    outdir: bridgeBundleDir,
    logLevel: 'warning',
  });
  return entry;
}

/**
 * Maps frames of the bundle whose entry is `bundlePath` (the entry and its chunks, each through its
 * own source map, read on first use) to their original files and lines, so the profile summary can
 * group by package and project folder. Other frames pass through.
 */
export function bundleFrameMapper(bundlePath: string): FrameMapper {
  const dir = dirname(bundlePath);
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (file: string): SourceMap | undefined => {
    if (!maps.has(file)) {
      let map: SourceMap | undefined;
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
      } catch {
        map = undefined;
      }
      maps.set(file, map);
    }
    return maps.get(file);
  };
  return (frame) => {
    const file = frame.url.startsWith('file:')
      ? fileURLToPath(frame.url)
      : isAbsolute(frame.url)
        ? frame.url
        : undefined;
    const rel = file === undefined ? '..' : relative(dir, file);
    if (file === undefined || rel.startsWith('..') || isAbsolute(rel)) return frame;
    const map = mapOf(file);
    if (!map) return frame;
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber ?? 0) as {
      originalSource?: string;
      originalLine?: number;
    };
    if (!entry?.originalSource) return frame;
    return { ...frame, url: entry.originalSource, lineNumber: entry.originalLine ?? frame.lineNumber };
  };
}
