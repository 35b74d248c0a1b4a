/**
 * The ECS service's desired count, behind a small port: the bridge lowers it to 0 when it exits idle
 * (scale to zero), and the waker raises it to 1 when a topic has messages (docs/deploy.md, "Scale to
 * zero"). The adapter uses the project's AWS client config (awsClientConfig: one attempt, explicit
 * timeouts); tests use a fake behind the port.
 */
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { type AwsClientOptions, awsClientConfig } from './aws-client-config.ts';

export interface ServiceCount {
  /** The service's desired count now. */
  desiredCount(): Promise<number>;
  /** Sets the desired count. */
  setDesiredCount(count: number): Promise<void>;
}

export interface EcsServiceRef {
  /** Cluster name or ARN. */
  readonly cluster: string;
  /** Service name or ARN. */
  readonly service: string;
}

export function ecsServiceCount(
  ref: EcsServiceRef,
  options: AwsClientOptions & { readonly client?: ECSClient } = {},
): ServiceCount {
  const client = options.client ?? new ECSClient(awsClientConfig(options));
  const where = `ECS service ${ref.service} in cluster ${ref.cluster}`;
  return {
    async desiredCount() {
      let out: { services?: { desiredCount?: number }[]; failures?: { reason?: string }[] };
      try {
        out = await client.send(
          new DescribeServicesCommand({ cluster: ref.cluster, services: [ref.service] }),
        );
      } catch (err) {
        throw new Error(`${where}: DescribeServices failed`, { cause: err });
      }
      const found = out.services?.[0]?.desiredCount;
      if (found === undefined)
        throw new Error(`${where}: not found (${out.failures?.[0]?.reason ?? 'no service in the answer'})`);
      return found;
    },
    async setDesiredCount(count) {
      if (!Number.isInteger(count) || count < 0)
        throw new RangeError(`desired count must be a whole number ≥ 0, got ${count}`);
      try {
        await client.send(
          new UpdateServiceCommand({ cluster: ref.cluster, service: ref.service, desiredCount: count }),
        );
      } catch (err) {
        throw new Error(`${where}: UpdateService desiredCount ${count} failed`, { cause: err });
      }
    },
  };
}
