import { defineFunction } from '#shared/functions/definition';

/** The benchmark's instant edge function on workerd: what the Invoke responder does, behind the HTTP invoker. */
export default defineFunction({
  name: 'edge-responder',
  target: 'edge',
  description: 'Benchmark: drains the signed batch and answers an empty batchItemFailures at once',
});
