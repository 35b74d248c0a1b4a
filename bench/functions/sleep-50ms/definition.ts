import { defineFunction } from '#shared/functions/definition';

/** The benchmark's throttled run: 50 ms per batch and reserved concurrency 10, so a wider bridge gets 429s. */
export default defineFunction({
  name: 'sleep-50ms',
  description: 'Benchmark: takes 50 ms per batch, reserved concurrency 10',
  timeoutSec: 30,
  memoryMb: 256,
  reservedConcurrency: 10,
});
