// Preloaded into the bridge by `npm run bench:soak` (`node --import bench/soak-probe.mjs bridge.mjs`):
// the bridge's /metrics has no heap or event-loop figures, and the soak must not edit the bridge, so
// this writes them to a file every BENCH_SOAK_PROBE_INTERVAL_MS (a temporary file renamed over the
// last one, so a reader never sees half of it). Plain ESM: it runs beside the bundle, without tsx.
// Its cost is one timer and the event-loop delay histogram (perf_hooks, sampled every 10 ms).
import { renameSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.BENCH_SOAK_PROBE_FILE;
const intervalMs = Number(process.env.BENCH_SOAK_PROBE_INTERVAL_MS) || 1000;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const timer = setInterval(() => {
    const memory = process.memoryUsage();
    const sample = {
      atMs: Date.now(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      externalBytes: memory.external,
      eventLoopDelayP99Ms: delay.count > 0 ? delay.percentile(99) / 1e6 : 0,
      eventLoopDelayMaxMs: delay.count > 0 ? delay.max / 1e6 : 0,
    };
    delay.reset();
    writeFileSync(`${file}.tmp`, JSON.stringify(sample));
    renameSync(`${file}.tmp`, file);
  }, intervalMs);
  timer.unref();
}
