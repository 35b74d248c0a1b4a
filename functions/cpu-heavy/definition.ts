import { defineFunction } from '#shared/functions/definition';

/**
 * CPU-bound work scales through Lambda concurrency, not a thread or process pool: one message per
 * Invoke, ~1 vCPU per function instance (1,769 MB), and the bridge runs many Invokes at once.
 *
 * timeoutSec 60: the largest job (256 MiB) took under 10 s on one core of a busy shared machine,
 * and 60 s + the bridge's 10 s invocation margin stays inside its 90 s drain deadline, so a shutdown
 * lets every running job finish (infra warns at synth when an invocation can outlast the drain).
 */
export default defineFunction({
  name: 'cpu-heavy',
  description: 'Hashes and compresses a large generated payload per message (CPU-bound example).',
  timeoutSec: 60,
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
