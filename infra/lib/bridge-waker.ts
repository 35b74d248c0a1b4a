/**
 * Scale to zero (docs/deploy.md, "Scale to zero"): a small scheduled Lambda that reads the bridge's
 * subscriptions' depth through nsqlookupd and nsqd /stats (infra/functions/bridge-waker) and sets the
 * bridge service's desired count from 0 to 1 when a message waits. It runs in the bridge's VPC (it must
 * reach nsqlookupd and nsqd) and may only describe and update that one ECS service.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { defineFunction } from '#shared/functions/definition';
import type { WakerConfig } from '../functions/bridge-waker/wake.ts';
import { functionBundling, functionRuntime } from './function-bundling.ts';
import { acknowledgeNag } from './nag.ts';
import { depsLockFilePath, repoRoot } from './paths.ts';

/** ECS service ARN (long format) from its cluster and service names. */
export function ecsServiceArn(scope: Construct, clusterName: string, serviceName: string): string {
  const stack = Stack.of(scope);
  return stack.formatArn({
    service: 'ecs',
    resource: 'service',
    resourceName: `${clusterName}/${serviceName}`,
  });
}

export interface BridgeWakerProps {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly clusterName: string;
  readonly serviceName: string;
  readonly config: Omit<WakerConfig, 'requestTimeoutMs'>;
  /** How often the waker runs (EventBridge's finest rate is 1 minute). @default Duration.minutes(1) */
  readonly schedule?: Duration;
  readonly logRetention: logs.RetentionDays;
}

export class BridgeWaker extends Construct {
  public readonly function: NodejsFunction;
  public readonly rule: events.Rule;
  public readonly schedule: Duration;

  constructor(scope: Construct, id: string, props: BridgeWakerProps) {
    super(scope, id);
    this.schedule = props.schedule ?? Duration.minutes(1);
    if (this.schedule.toSeconds() < 60 || this.schedule.toSeconds() % 60 !== 0)
      throw new Error(
        `BridgeWaker: schedule must be whole minutes ≥ 1 (EventBridge rates), got ${this.schedule.toSeconds()} s`,
      );
    const serviceArn = ecsServiceArn(this, props.clusterName, props.serviceName);
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new NodejsFunction(this, 'Function', {
      entry: `${repoRoot}/infra/functions/bridge-waker/handler.ts`,
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath,
      runtime: functionRuntime(),
      architecture: lambda.Architecture.ARM_64,
      bundling: functionBundling(defineFunction({ name: 'bridge-waker', entry: 'handler.ts' })),
      memorySize: 128,
      timeout: Duration.seconds(30),
      // One run at a time: a slow run must not overlap the next and double a wake-up.
      reservedConcurrentExecutions: 1,
      description: 'nsq-lambda: wakes the bridge service (desired count 0 → 1) when a topic has messages',
      logGroup,
      vpc: props.vpc,
      ...(props.vpcSubnets && { vpcSubnets: props.vpcSubnets }),
      securityGroups: [props.securityGroup],
      environment: {
        WAKER_CONFIG: Stack.of(this).toJsonString(props.config),
        ECS_CLUSTER: props.clusterName,
        ECS_SERVICE: props.serviceName,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    // Least privilege: read and set the desired count of the bridge's one service, nothing else in ECS.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: [serviceArn],
      }),
    );
    this.rule = new events.Rule(this, 'Schedule', {
      schedule: events.Schedule.rate(this.schedule),
      description: 'nsq-lambda: run the bridge waker',
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });
    if (this.function.role) {
      acknowledgeNag(
        this.function.role,
        [
          'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        ],
        'The waker runs in the VPC to reach nsqlookupd and nsqd; the VPC-access managed policy (network ' +
          'interfaces, which support no resource scoping) is what Lambda documents for that, and the basic ' +
          'execution policy comes with it. Its own permissions are ECS describe/update on one service.',
      );
    }
    acknowledgeNag(
      this.function,
      ['L1'],
      `Pinned to ${functionRuntime().name} on purpose, like every function of the project (shared/functions/bundling.ts).`,
    );
  }
}
