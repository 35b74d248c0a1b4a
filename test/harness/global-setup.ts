import { buildBinaries } from '#dev/services/binaries';
import {
  beginRun,
  cleanLeftovers,
  leftoversLine,
  readRecords,
  stopRecorded,
} from '#dev/services/run-records';

/**
 * Builds the Go binaries if they are not cached, stops what an earlier, killed test run left behind, and
 * gives this run its record directory (dev/services/run-records.ts). Every process the harness starts is
 * recorded there and dies with the worker that started it (dev/services/process.ts `guarded`); teardown
 * stops whatever is still recorded and provably ours.
 */
export default async function setup(): Promise<() => Promise<void>> {
  buildBinaries();
  const leftovers = leftoversLine(await cleanLeftovers());
  if (leftovers) process.stderr.write(`harness: ${leftovers}\n`);
  const run = beginRun();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return async () => {
    for (const r of await stopRecorded(readRecords(run.dir), 0))
      process.stderr.write(`harness: killed leftover ${r.name} (pid ${r.pid})\n`);
    run.end();
  };
}
