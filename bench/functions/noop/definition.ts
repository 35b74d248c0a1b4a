import { defineFunction } from '#shared/functions/definition';

/** The benchmark's instant function: every message succeeded, nothing else done. */
export default defineFunction({
  name: 'noop',
  description: 'Benchmark: answers an empty batchItemFailures at once',
  timeoutSec: 30,
  memoryMb: 256,
});
