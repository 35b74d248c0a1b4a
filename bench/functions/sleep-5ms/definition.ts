import { defineFunction } from '#shared/functions/definition';

/** The soak's function (npm run bench:soak): 5 ms per batch, like a handler that does a little I/O. */
export default defineFunction({
  name: 'sleep-5ms',
  description: 'Benchmark soak: takes 5 ms per batch',
  timeoutSec: 30,
  memoryMb: 256,
});
