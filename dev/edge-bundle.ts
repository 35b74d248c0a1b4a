/**
 * Builds the deployable bundle of an edge function (target 'edge'): the file to upload to Cloudflare
 * Workers (`wrangler deploy --no-bundle`), Deno Deploy or a Vercel edge function. See docs/edge.md.
 *
 *   node dev/node.mjs node --import tsx dev/edge-bundle.ts <function> [outDir]   # default .cache/edge-dist
 */
import { join } from 'node:path';
import { projectRoot } from '#dev/services/binaries';
import { bundleEdgeFunction } from '#shared/functions/edge-bundling';
import { loadFunction } from '#shared/functions/loader';

const [name, outDir = join(projectRoot, '.cache', 'edge-dist')] = process.argv.slice(2);
if (!name) {
  process.stderr.write('usage: dev/edge-bundle.ts <function> [outDir]\n');
  process.exit(2);
}
const loaded = await loadFunction(name);
if (loaded.definition.target !== 'edge') {
  process.stderr.write(`${name} is a Lambda function (target 'lambda'); infra/ deploys it\n`);
  process.exit(2);
}
const bundle = await bundleEdgeFunction(loaded, outDir);
process.stdout.write(`${bundle.file} (${bundle.bytes} bytes)\n`);
