import { defineFunction } from '#shared/functions/definition';

/**
 * CPU-bound work scales through Lambda concurrency, not a thread or process pool: one message per
 * Invoke, ~1 vCPU per function instance (1,769 MB), and the bridge runs many Invokes at once.
 */
export default defineFunction({
  name: 'cpu-heavy',
  description: 'Hashes and compresses a large generated payload per message (CPU-bound example).',
  timeoutSec: 120,
  memoryMb: 1769,
  subscriptions: [
    {
      topic: 'cpu-jobs',
      channel: 'cpu-heavy',
      maxMessages: 1,
      maxConcurrentInvocations: 32,
      msgTimeoutMs: 180_000,
    },
  ],
});
