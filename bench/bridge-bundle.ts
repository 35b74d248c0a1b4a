/**
 * The bridge as it ships: one esbuild ESM bundle of bridge/src/main.ts built with the options of
 * bridge/Dockerfile (keep them in step), so the benchmark measures the production artefact rather
 * than tsx compiling TypeScript on the fly. Also maps profile frames in the bundle back to sources.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '#dev/services/binaries';
import type { FrameMapper } from './cpu-profile.ts';

export const bridgeBundleDir = join(projectRoot, '.cache', 'bench', 'bridge');

/** Builds `.cache/bench/bridge/bridge.mjs` (+ source map) and returns its path. */
export async function buildBridgeBundle(): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = join(bridgeBundleDir, 'bridge.mjs');
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
