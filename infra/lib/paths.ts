/** Filesystem anchors the CDK app needs: assets are built from the repository root. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the bridge image's build context and the functions' project root). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The lock file NodejsFunction hashes and esbuild resolves against. */
export const depsLockFilePath = join(repoRoot, 'package-lock.json');
