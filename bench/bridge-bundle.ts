/**
 * The bridge as it ships: the esbuild bundle of bridge/src/main.ts built by the command in
 * bridge/Dockerfile and run with the image's NODE_OPTIONS, so the benchmark measures the production
 * artefact rather than tsx compiling TypeScript on the fly. Also maps profile frames in the bundle
 * back to their sources.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '#dev/services/binaries';
import type { FrameMapper } from './cpu-profile.ts';

export const bridgeBundleDir = join(projectRoot, '.cache', 'bench', 'bridge');
const dockerfilePath = join(projectRoot, 'bridge', 'Dockerfile');

/**
 * The `RUN npx esbuild …` command of the Dockerfile's build stage (continuation lines joined), with
 * its `--outfile` replaced by `outfile`; undefined when there is none.
 */
export function dockerfileEsbuildCommand(dockerfile: string, outfile: string): string | undefined {
  const joined = dockerfile.replace(/\\\r?\n/g, ' ');
  const line = joined.split(/\r?\n/).find((l) => /^\s*RUN\s+npx\s+esbuild\s/.test(l));
  if (!line || !/--outfile=\S+/.test(line)) return undefined;
  return line
    .replace(/^\s*RUN\s+npx\s+esbuild\s+/, '')
    .replace(/--outfile=\S+/, `--outfile=${outfile}`)
    .replace(/\s+/g, ' ')
    .trim();
}

/** The image's `NODE_OPTIONS` (from an `ENV` instruction), split into flags; undefined when unset. */
export function dockerfileNodeOptions(dockerfile: string): string[] | undefined {
  const joined = dockerfile.replace(/\\\r?\n/g, ' ');
  const env = joined.split(/\r?\n/).filter((l) => /^\s*ENV\s/.test(l));
  for (const line of env) {
    const match = /\bNODE_OPTIONS=(?:"([^"]*)"|'([^']*)'|(\S+))/.exec(line);
    if (match) return (match[1] ?? match[2] ?? match[3] ?? '').split(/\s+/).filter(Boolean);
  }
  return undefined;
}

/** The Node flags the image runs the bridge with (its NODE_OPTIONS), `--enable-source-maps` if unreadable. */
export function imageNodeArgs(): string[] {
  try {
    return dockerfileNodeOptions(readFileSync(dockerfilePath, 'utf8')) ?? [];
  } catch {
    return ['--enable-source-maps'];
  }
}

/**
 * Builds `.cache/bench/bridge/bridge.mjs` (+ source map) with the esbuild command of bridge/Dockerfile,
 * so the benchmark measures exactly what the image ships; falls back to the same options through the
 * esbuild API when the Dockerfile has no such command. Returns the bundle's path.
 */
export async function buildBridgeBundle(): Promise<string> {
  const outfile = join(bridgeBundleDir, 'bridge.mjs');
  let dockerfile = '';
  try {
    dockerfile = readFileSync(dockerfilePath, 'utf8');
  } catch {
    // No Dockerfile: use the built-in options below.
  }
  const command = dockerfileEsbuildCommand(dockerfile, outfile);
  if (command) {
    const esbuild = join(projectRoot, 'node_modules', '.bin', 'esbuild');
    execFileSync('sh', ['-c', `"${esbuild}" ${command} --log-level=warning`], {
      cwd: projectRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    return outfile;
  }
  const { build } = await import('esbuild');
  await build({
    absWorkingDir: projectRoot,
    entryPoints: ['bridge/src/main.ts'],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    external: ['snappystream'],
    sourcemap: true,
    legalComments: 'none',
    banner: {
      js: "import { createRequire as __bridgeCreateRequire } from 'node:module'; const require = __bridgeCreateRequire(import.meta.url);",
    },
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

/**
 * Maps frames of the bundle at `bundlePath` to their original files and lines (through its source
 * map), so the profile summary can group by package and project folder. Other frames pass through.
 */
export function bundleFrameMapper(bundlePath: string): FrameMapper {
  const map = new SourceMap(JSON.parse(readFileSync(`${bundlePath}.map`, 'utf8')));
  const bundleUrl = pathToFileURL(bundlePath).href;
  return (frame) => {
    if (frame.url !== bundleUrl && frame.url !== bundlePath) return frame;
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber ?? 0) as {
      originalSource?: string;
      originalLine?: number;
    };
    if (!entry?.originalSource) return frame;
    return { ...frame, url: entry.originalSource, lineNumber: entry.originalLine ?? frame.lineNumber };
  };
}
