/**
 * The waker Lambda (NsqLambdaBridgeWaker in infra/lib/bridge-waker.ts): env WAKER_CONFIG (JSON, see
 * wakerConfigSchema), ECS_CLUSTER and ECS_SERVICE. Logs one JSON line per run; a failed nsqd or
 * nsqlookupd read fails the invocation (so the function's Errors metric shows it) after any wake-up.
 */
import { ecsServiceCount, type ServiceCount } from '#shared/clients/ecs-service';
import { type WakeResult, wake, wakerConfigSchema } from './wake.ts';

let service: ServiceCount | undefined;

export async function handler(): Promise<WakeResult> {
  const config = wakerConfigSchema.parse(JSON.parse(process.env.WAKER_CONFIG ?? '{}'));
  const cluster = process.env.ECS_CLUSTER;
  const name = process.env.ECS_SERVICE;
  if (!cluster || !name) throw new Error('bridge waker: set ECS_CLUSTER and ECS_SERVICE');
  service ??= ecsServiceCount({ cluster, service: name });
  const result = await wake(config, service);
  console.log(JSON.stringify({ msg: 'bridge waker', ...result }));
  if (result.errors.length > 0)
    throw new Error(`bridge waker: ${result.errors.length} read(s) failed: ${result.errors.join('; ')}`);
  return result;
}
