/**
 * NsqLambdaBridge: the long-running bridge on Fargate that reads NSQ and invokes the functions whose
 * definitions subscribe to topics. It holds only what it needs: invoke on its own functions, put on the
 * dead-letter prefix, and the secrets it is given (as ECS secrets, never plaintext).
 */
import { Annotations, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULT_DRAIN_DEADLINE_MS, INVOCATION_TIMEOUT_MARGIN_MS } from '#shared/config/bridge-config';
import type { FunctionDefinition } from '#shared/functions/definition';
import { type BridgeTls, bridgeRuntimeConfig } from './bridge-runtime-config.ts';
import { BridgeWaker, ecsServiceArn } from './bridge-waker.ts';
import {
  checkHttpTarget,
  createSigningSecrets,
  httpBridgeTargets,
  type NsqLambdaBridgeHttpTarget,
} from './http-targets.ts';

export type { NsqLambdaBridgeHttpTarget };

import { acknowledgeNag, nagArnRef } from './nag.ts';
import { repoRoot } from './paths.ts';
import { secureBucket } from './secure-bucket.ts';

/** Fargate sends SIGKILL at most 120 s after SIGTERM, whatever stopTimeout asks for. */
export const FARGATE_MAX_STOP_TIMEOUT_MS = 120_000;
/** Time the bridge needs after its drain deadline to flush logs and metrics and close sockets. */
export const BRIDGE_EXIT_MARGIN_MS = 15_000;
/** CloudWatch alarms (which drive step scaling) accept at most 10 metrics in a math expression. */
export const MAX_SCALING_SUBSCRIPTIONS = 10;

/**
 * The CloudWatch namespace, metric names and dimension the bridge publishes through EMF
 * (bridge/src/observability/metric-definitions.ts, bridge/src/backlog/backlog-monitor.ts; the dimension is the
 * metrics label). test/unit/infra/bridge-metrics.test.ts fails if the two drift apart.
 */
export const BRIDGE_METRICS = {
  namespace: 'NsqLambda',
  dimension: 'subscription',
  /** Second dimension of the outcome counters marked "by reason" below. */
  reasonDimension: 'reason',
  /** Channel depth + deferred + in-flight, summed over the subscription's nsqd nodes (from nsqd /stats). */
  backlog: 'Backlog',
  /** Messages the bridge holds (received, not yet FIN/REQ). */
  inFlight: 'MessagesInFlight',
  /** Messages FINished after the function succeeded for them. */
  finished: 'MessagesFinished',
  /** Messages REQueued (function failure, throttle, toggle), by reason. */
  requeued: 'MessagesRequeued',
  /** Messages written to the dead letters, by reason. */
  deadLetters: 'MessagesDeadLettered',
  /** Invocations the Lambda service throttled (429), by reason. */
  throttles: 'Throttles',
} as const;

/** The metrics that carry the reason dimension as well as the subscription. */
export const METRICS_BY_REASON: readonly string[] = [
  BRIDGE_METRICS.requeued,
  BRIDGE_METRICS.deadLetters,
  BRIDGE_METRICS.throttles,
];

/**
 * The container health check: node:24-bookworm-slim has no curl, so Node's own fetch probes /healthz (liveness;
 * /readyz would also fail while draining, and ECS must not replace a task that is draining).
 */
export function bridgeHealthCheckCommand(httpPort: number): string[] {
  return [
    'CMD',
    'node',
    '-e',
    `fetch('http://127.0.0.1:${httpPort}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
  ];
}

/** A function the bridge feeds: its definition (the subscriptions) and the deployed function. */
export interface NsqLambdaBridgeTarget {
  readonly definition: FunctionDefinition;
  readonly function: lambda.IFunction;
}

export interface NsqLambdaBridgeProps {
  /** The functions the bridge invokes; each definition's `subscriptions` become the bridge's subscriptions. */
  readonly targets: readonly NsqLambdaBridgeTarget[];
  /**
   * Functions behind HTTP(S) endpoints; their subscriptions join the bridge's, and no Lambda is created or granted.
   * @default - none
   */
  readonly httpTargets?: readonly NsqLambdaBridgeHttpTarget[];
  /**
   * nsqd TCP addresses (`host:port`) to consume from directly.
   * @default - none; `lookupdHttpAddresses` must then be given
   */
  readonly nsqdTcpAddresses?: readonly string[];
  /**
   * nsqlookupd HTTP addresses (`host:port`) to discover nsqd nodes.
   * @default - none; `nsqdTcpAddresses` must then be given
   */
  readonly lookupdHttpAddresses?: readonly string[];
  /**
   * The VPC to run in (it must reach nsqd). Cannot be combined with `cluster`.
   * @default - a new VPC: 2 AZs, one NAT gateway, an S3 gateway endpoint, rejected-traffic flow logs
   */
  readonly vpc?: ec2.IVpc;
  /**
   * An existing ECS cluster. Cannot be combined with `vpc`.
   * @default - a new cluster with Container Insights
   */
  readonly cluster?: ecs.ICluster;
  /**
   * Where the tasks run.
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Bucket for dead letters, and for claim checks under their own prefix (`claimCheck`).
   * @default - a new encrypted, private, TLS-only bucket with lifecycle rules
   */
  readonly deadLetterBucket?: s3.IBucket;
  /**
   * Key prefix of dead letters; the bridge may write only below it. Must end with '/'.
   * @default 'dead-letters/'
   */
  readonly deadLetterPrefix?: string;
  /**
   * Days dead letters are kept in the default bucket (ignored with `deadLetterBucket`).
   * @default 90
   */
  readonly deadLetterRetentionDays?: number;
  /**
   * Claim checks (docs/bridge.md, "Claim checks"): bodies too large for an Invoke, or over
   * `thresholdBytes`, are stored in the dead-letter bucket under `prefix` and a pointer is sent instead.
   * The bridge may put objects there; the functions it feeds may only get them. `expiryDays` is the
   * lifecycle rule of that prefix on the default bucket (an imported bucket keeps its own rules).
   * @default - off; the default bucket still reserves 'claim-checks/' with a 1-day expiry
   */
  readonly claimCheck?: {
    /** @default 'claim-checks/' */
    readonly prefix?: string;
    /** @default 1 */
    readonly expiryDays?: number;
    /** @default - only bodies too large for an Invoke */
    readonly thresholdBytes?: number;
  };
  /**
   * With `minTaskCount: 0` (scale to zero): how long the bridge must be idle (nothing held, nothing to
   * read) before it sets its service's desired count to 0 and exits. At least 15 s (one backlog read).
   * @default 900_000 (15 minutes)
   */
  readonly idleExitAfterMs?: number;
  /**
   * With `minTaskCount: 0`: how often the waker reads the topics' depth and wakes the service.
   * @default Duration.minutes(1)
   */
  readonly wakerSchedule?: Duration;
  /**
   * TLS to nsqd (required by nsqd's --tls-required, or wanted across networks).
   * @default - plaintext TCP
   */
  readonly nsqTls?: BridgeTls;
  /**
   * The NSQ auth secret (a plain string secret), injected as env NSQ_AUTH_SECRET.
   * @default - no NSQ auth
   */
  readonly nsqAuthSecret?: secretsmanager.ISecret;
  /**
   * The Upstash REST secret (JSON keys `url` and `token`), injected as UPSTASH_REDIS_REST_URL/TOKEN for toggles.
   * @default - no toggle store
   */
  readonly upstashSecret?: secretsmanager.ISecret;
  /**
   * The bridge image.
   * @default - built from bridge/Dockerfile with the repository root as context
   */
  readonly image?: ecs.ContainerImage;
  /**
   * Task vCPU units.
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Task memory.
   * @default 512
   */
  readonly memoryLimitMiB?: number;
  /**
   * Fewest running tasks. 0 opts in to scale to zero (docs/deploy.md, "Scale to zero"): the bridge exits
   * when idle and a scheduled waker starts it again when a topic has messages; needs
   * `lookupdHttpAddresses` (the waker finds nsqd through nsqlookupd) and `scaleInBacklogMessages` 0.
   * @default 1
   */
  readonly minTaskCount?: number;
  /**
   * Most running tasks when the backlog grows.
   * @default 4
   */
  readonly maxTaskCount?: number;
  /**
   * Backlog (messages, summed over subscriptions) at or above which a task is added.
   * @default 1000
   */
  readonly scaleOutBacklogMessages?: number;
  /**
   * Backlog at or below which a task is removed.
   * @default 10 (0 with minTaskCount 0: the last task goes only when nothing waits)
   */
  readonly scaleInBacklogMessages?: number;
  /**
   * How long the bridge drains on SIGTERM (stop reading, finish in-flight invocations, answer every
   * message). stopTimeout = this + 15 s, which must stay within Fargate's 120 s.
   * @default DEFAULT_DRAIN_DEADLINE_MS (90000, shared/config/bridge-config.ts: the bridge's own default too)
   */
  readonly drainDeadlineMs?: number;
  /**
   * The bridge's HTTP port (/healthz, /readyz, /metrics); nothing outside the task reaches it.
   * @default 8080
   */
  readonly httpPort?: number;
  /**
   * How long the bridge's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/** Task CPU units Fargate offers (the memory must then fit Fargate's range for that size). */
const FARGATE_CPU_UNITS: readonly number[] = [256, 512, 1024, 2048, 4096, 8192, 16384];

const ADDRESS = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:\d{1,5}$/;

export class NsqLambdaBridge extends Construct {
  public readonly vpc: ec2.IVpc;
  public readonly cluster: ecs.ICluster;
  public readonly service: ecs.FargateService;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly container: ecs.ContainerDefinition;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly deadLetterBucket: s3.IBucket;
  public readonly deadLetterPrefix: string;
  public readonly logGroup: logs.LogGroup;
  public readonly scaling: ecs.ScalableTaskCount;
  /** Every subscription's name as the bridge derives it (bridgeConfigFromDefinitions): the metric dimension. */
  public readonly subscriptionNames: readonly string[];
  /** The bridge's drain deadline and the container's stop timeout derived from it. */
  public readonly drainDeadlineMs: number;
  public readonly stopTimeout: Duration;
  public readonly minTaskCount: number;
  /** The claim-check prefix when claim checks are on. */
  public readonly claimCheckPrefix?: string;
  /** The waker, with minTaskCount 0. */
  public readonly waker?: BridgeWaker;
  /** The signing secret of each HTTP target, by function name (read only by the task role). */
  public readonly signingSecrets: ReadonlyMap<string, secretsmanager.ISecret>;

  constructor(scope: Construct, id: string, props: NsqLambdaBridgeProps) {
    super(scope, id);
    const v = validateProps(props);
    this.drainDeadlineMs = v.drainDeadlineMs;
    this.deadLetterPrefix = v.deadLetterPrefix;
    this.subscriptionNames = v.subscriptionNames;
    this.minTaskCount = v.minTaskCount;
    if (props.claimCheck) this.claimCheckPrefix = v.claimCheckPrefix;

    this.vpc = props.cluster?.vpc ?? props.vpc ?? this.createVpc(v.logRetention);
    this.cluster =
      props.cluster ??
      new ecs.Cluster(this, 'Cluster', {
        vpc: this.vpc,
        containerInsightsV2: ecs.ContainerInsights.ENABLED,
      });

    this.deadLetterBucket =
      props.deadLetterBucket ??
      secureBucket(this, 'DeadLetterBucket', {
        lifecycleRules: [
          {
            id: 'expire-dead-letters',
            prefix: v.deadLetterPrefix,
            expiration: Duration.days(props.deadLetterRetentionDays ?? 90),
          },
          {
            id: 'expire-claim-checks',
            prefix: v.claimCheckPrefix,
            expiration: Duration.days(props.claimCheck?.expiryDays ?? 1),
          },
        ],
      });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: v.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: v.cpu,
      memoryLimitMiB: v.memoryLimitMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });

    // Drain budget: the bridge gets SIGTERM, drains for at most drainDeadlineMs (default 90 s, the bridge's own default: longer
    // than a typical function timeout, so in-flight invocations finish and every message is answered),
    // then needs BRIDGE_EXIT_MARGIN_MS (15 s) to flush and exit. stopTimeout = 90 s + 15 s = 105 s,
    // below Fargate's 120 s ceiling, after which SIGKILL comes regardless. Messages still unanswered at
    // SIGKILL are redelivered by nsqd after msgTimeoutMs (at-least-once holds; only latency suffers).
    this.stopTimeout = Duration.millis(v.drainDeadlineMs + BRIDGE_EXIT_MARGIN_MS);

    const stack = Stack.of(this);
    // Scale to zero: the bridge and the waker name the service, so it gets a fixed name (a token from the
    // service itself in the task's environment would be a dependency cycle).
    const serviceName = v.minTaskCount === 0 ? Names.uniqueResourceName(this, { maxLength: 200 }) : undefined;
    const httpTargets = (props.httpTargets ?? []).filter((t) => t.definition.subscriptions.length > 0);
    const signingSecrets = createSigningSecrets(this, httpTargets);
    this.signingSecrets = signingSecrets;
    const config = bridgeRuntimeConfig({
      targets: [
        ...props.targets
          .filter((t) => t.definition.subscriptions.length > 0)
          .map((t) => ({ definition: t.definition, functionName: t.function.functionArn })),
        ...httpBridgeTargets(httpTargets, signingSecrets),
      ],
      nsqdTcpAddresses: props.nsqdTcpAddresses ?? [],
      lookupdHttpAddresses: props.lookupdHttpAddresses ?? [],
      region: stack.region,
      deadLetterBucket: this.deadLetterBucket.bucketName,
      deadLetterPrefix: v.deadLetterPrefix,
      httpPort: v.httpPort,
      drainDeadlineMs: v.drainDeadlineMs,
      rateLimitTaskCount: v.maxTaskCount,
      ...(props.nsqTls && { tls: props.nsqTls }),
      ...(props.claimCheck && {
        claimCheck: {
          prefix: v.claimCheckPrefix,
          ...(props.claimCheck.thresholdBytes !== undefined && {
            thresholdBytes: props.claimCheck.thresholdBytes,
          }),
        },
      }),
      ...(serviceName && {
        idleExit: { afterMs: v.idleExitAfterMs, cluster: this.cluster.clusterName, service: serviceName },
      }),
    });

    const secrets: Record<string, ecs.Secret> = {};
    if (props.nsqAuthSecret) secrets.NSQ_AUTH_SECRET = ecs.Secret.fromSecretsManager(props.nsqAuthSecret);
    if (props.upstashSecret) {
      secrets.UPSTASH_REDIS_REST_URL = ecs.Secret.fromSecretsManager(props.upstashSecret, 'url');
      secrets.UPSTASH_REDIS_REST_TOKEN = ecs.Secret.fromSecretsManager(props.upstashSecret, 'token');
    }

    this.container = this.taskDefinition.addContainer('bridge', {
      image:
        props.image ??
        ecs.ContainerImage.fromAsset(repoRoot, {
          file: 'bridge/Dockerfile',
          platform: ecrAssets.Platform.LINUX_ARM64,
          exclude: ['node_modules', '.cache', 'cdk.out', '.git', 'test', 'bench', 'docs', '**/*.md'],
        }),
      essential: true,
      readonlyRootFilesystem: true,
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: 'bridge',
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
      }),
      // No NODE_OPTIONS here: the image's (bridge/Dockerfile: source maps and the young-generation size its
      // memory figures were measured with) would be replaced by it, not added to.
      environment: {
        NSQ_LAMBDA_CONFIG: stack.toJsonString(config),
      },
      secrets,
      healthCheck: {
        command: bridgeHealthCheckCommand(v.httpPort),
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      stopTimeout: this.stopTimeout,
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: 'nsq-lambda bridge: no inbound; outbound to nsqd, Lambda, S3, Secrets Manager, CloudWatch',
      allowAllOutbound: true,
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      ...(serviceName && { serviceName }),
      // No desiredCount: a deploy would reset a scaled-out service to it in the middle of a backlog.
      // Without it ECS starts 1 task, keeps the current count on updates, and autoscaling's
      // minCapacity raises it to minTaskCount.
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      assignPublicIp: false,
      circuitBreaker: { enable: true, rollback: true },
      // Start the new task before stopping the old one: no gap in consumption during a deploy.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    // Least privilege, through grants: invoke only the functions this bridge feeds, write only below
    // the dead-letter prefix.
    // A target without subscriptions is never fed, so it gets no permission either.
    const fed = props.targets.filter((t) => t.definition.subscriptions.length > 0);
    for (const target of fed) target.function.grantInvoke(this.taskDefinition.taskRole);
    // The HTTP targets' signing secrets: read by the bridge process itself at start (GetSecretValue with
    // the task role), not injected by ECS, so no other role (not even the execution role) can read them.
    for (const secret of signingSecrets.values()) secret.grantRead(this.taskDefinition.taskRole);
    this.deadLetterBucket.grantPut(this.taskDefinition.taskRole, `${v.deadLetterPrefix}*`);
    if (props.claimCheck) this.grantClaimChecks(fed, v.claimCheckPrefix);
    if (serviceName) {
      // The idle bridge sets its own service's desired count to 0 before it exits (and nothing else).
      this.taskDefinition.taskRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ecs:UpdateService'],
          resources: [ecsServiceArn(this, this.cluster.clusterName, serviceName)],
        }),
      );
      const lookupd = props.lookupdHttpAddresses ?? [];
      this.waker = new BridgeWaker(this, 'Waker', {
        vpc: this.vpc,
        ...(props.vpcSubnets && { vpcSubnets: props.vpcSubnets }),
        securityGroup: this.securityGroup,
        clusterName: this.cluster.clusterName,
        serviceName,
        config: {
          lookupdHttpAddresses: [...lookupd],
          subscriptions: (config.subscriptions ?? []).map((s) => ({
            name: s.name,
            topic: s.topic,
            channel: s.ephemeral ? `${s.channel}#ephemeral` : s.channel,
          })),
        },
        ...(props.wakerSchedule && { schedule: props.wakerSchedule }),
        logRetention: v.logRetention,
      });
    }
    acknowledgeNag(
      this.taskDefinition.taskRole,
      [
        ...fed.map((t) => `IAM5[Resource::${nagArnRef(this, t.function.functionArn)}:*]`),
        `IAM5[Resource::${nagArnRef(this, this.deadLetterBucket.bucketArn)}/${v.deadLetterPrefix}*]`,
        ...(props.claimCheck
          ? [`IAM5[Resource::${nagArnRef(this, this.deadLetterBucket.bucketArn)}/${v.claimCheckPrefix}*]`]
          : []),
        'IAM5[Action::s3:Abort*]',
      ],
      'Least privilege by grant: `<function>:*` lets the bridge invoke a version or alias of its own ' +
        'functions only; dead letters get one object per message under the dead-letter prefix, with keys ' +
        'chosen at runtime, and s3:Abort* only aborts its own multipart uploads there.',
    );
    if (!props.image) {
      acknowledgeNag(
        this.taskDefinition.obtainExecutionRole(),
        ['IAM5[Resource::*]'],
        'ecr:GetAuthorizationToken, needed to pull the bridge image from the CDK asset repository, does not ' +
          'support resource-level permissions; the pull actions themselves are scoped to that repository.',
      );
    }
    acknowledgeNag(
      this.taskDefinition,
      ['ECS2'],
      'The only environment variable is the non-secret runtime config (NSQ_LAMBDA_CONFIG: addresses, ' +
        'function ARNs, bucket name); every secret comes in as an ECS secret from Secrets Manager.',
    );

    this.scaling = this.service.autoScaleTaskCount({
      minCapacity: v.minTaskCount,
      maxCapacity: v.maxTaskCount,
    });
    this.scaling.scaleOnMetric('BacklogScaling', {
      // With scale to zero, no task means no Backlog data: counted as 1 (unknown), not 0, or the scale-in
      // step would stop the task the waker just started before it reported anything.
      metric: this.metricBacklog({ period: Duration.minutes(1), missingAs: v.minTaskCount === 0 ? 1 : 0 }),
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      scalingSteps: [
        { upper: v.scaleInBacklogMessages, change: -1 },
        { lower: v.scaleOutBacklogMessages, change: +1 },
        { lower: v.scaleOutBacklogMessages * 10, change: +2 },
      ],
      cooldown: Duration.minutes(3),
    });

    for (const target of fed) {
      const reserved = target.definition.reservedConcurrency;
      const perTask = target.definition.subscriptions.reduce((n, s) => n + s.maxConcurrentInvocations, 0);
      if (reserved !== undefined && perTask * v.maxTaskCount > reserved) {
        Annotations.of(this).addWarningV2(
          'nsq-lambda:concurrencyAboveReserved',
          `function ${JSON.stringify(target.definition.name)}: up to ${perTask * v.maxTaskCount} concurrent ` +
            `invocations (${perTask} per task × maxTaskCount ${v.maxTaskCount}) against reservedConcurrency ` +
            `${reserved}; the bridge will be throttled and back off (messages are requeued, not lost)`,
        );
      }
      const invocationMs = target.definition.timeoutSec * 1000 + INVOCATION_TIMEOUT_MARGIN_MS;
      if (invocationMs > v.drainDeadlineMs) {
        Annotations.of(this).addWarningV2(
          'nsq-lambda:invocationAboveDrain',
          `function ${JSON.stringify(target.definition.name)}: an invocation may take ${invocationMs} ms ` +
            `(timeoutSec ${target.definition.timeoutSec} + ${INVOCATION_TIMEOUT_MARGIN_MS} ms margin), more than ` +
            `the bridge's drainDeadlineMs ${v.drainDeadlineMs}; invocations still running at the deadline are ` +
            'abandoned on shutdown and their messages redelivered after msgTimeoutMs',
        );
      }
    }
  }

  /** The task role: what the bridge process itself may do. */
  public get taskRole(): iam.IRole {
    return this.taskDefinition.taskRole;
  }

  /**
   * Claim checks: the bridge may put objects under the prefix; each function it feeds may only get them
   * (s3:GetObject on the prefix, no list, no write, no delete: the expiry rule removes them).
   */
  private grantClaimChecks(fed: readonly NsqLambdaBridgeTarget[], prefix: string): void {
    this.deadLetterBucket.grantPut(this.taskDefinition.taskRole, `${prefix}*`);
    for (const target of fed) {
      iam.Grant.addToPrincipal({
        grantee: target.function,
        actions: ['s3:GetObject'],
        resourceArns: [this.deadLetterBucket.arnForObjects(`${prefix}*`)],
      });
      if (target.function.role)
        acknowledgeNag(
          target.function.role,
          [`IAM5[Resource::${nagArnRef(this, this.deadLetterBucket.bucketArn)}/${prefix}*]`],
          'Claim checks: the function reads the claim-checked bodies the bridge stored for it, one object ' +
            'per body under the claim-check prefix, with content-addressed keys chosen at runtime.',
        );
    }
  }

  /** Lets a principal (e.g. a replay tool) read the dead letters. */
  public grantReadDeadLetters(grantee: iam.IGrantable): iam.Grant {
    return this.deadLetterBucket.grantRead(grantee, `${this.deadLetterPrefix}*`);
  }

  /** One of the bridge's EMF metrics for a subscription. */
  public metric(
    metricName: string,
    subscription: string,
    props: cloudwatch.MetricOptions = {},
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: BRIDGE_METRICS.namespace,
      metricName,
      dimensionsMap: { [BRIDGE_METRICS.dimension]: subscription },
      statistic: cloudwatch.Stats.SUM,
      ...props,
    });
  }

  /**
   * Total backlog over all subscriptions. Every task reports the same channel depth, so each
   * subscription's Maximum (not Sum) is taken before adding them up.
   */
  public metricBacklog(props: { period?: Duration; missingAs?: number } = {}): cloudwatch.IMetric {
    return this.sumOverSubscriptions(
      BRIDGE_METRICS.backlog,
      cloudwatch.Stats.MAXIMUM,
      'Backlog',
      props.period,
      props.missingAs ?? 0,
    );
  }

  /**
   * Messages dead-lettered, summed over this bridge's subscriptions and every reason. A Metrics
   * Insights query, because the metric carries a reason dimension with open-ended values (alarm math
   * would need every combination spelled out, and is limited to 10 metrics).
   */
  public metricDeadLetters(props: { period?: Duration } = {}): cloudwatch.IMetric {
    return this.insightsSum(BRIDGE_METRICS.deadLetters, 'Dead letters', props.period);
  }

  /** A Metrics Insights SUM of a by-reason metric over this bridge's subscriptions. */
  public insightsSum(metricName: string, label: string, period = Duration.minutes(5)): cloudwatch.IMetric {
    const { namespace, dimension, reasonDimension } = BRIDGE_METRICS;
    const where = this.subscriptionNames.map((n) => `${dimension} = '${n}'`).join(' OR ');
    return new cloudwatch.MathExpression({
      expression: `SELECT SUM(${metricName}) FROM SCHEMA("${namespace}", ${dimension}, ${reasonDimension}) WHERE ${where}`,
      label,
      period,
    });
  }

  /** A SEARCH over a by-reason metric for graphs: one line per subscription and reason. */
  public searchByReason(
    metricName: string,
    statistic = 'Sum',
    period = Duration.minutes(1),
  ): cloudwatch.IMetric {
    const { namespace, dimension, reasonDimension } = BRIDGE_METRICS;
    const names = this.subscriptionNames.map((n) => `${dimension}="${n}"`).join(' OR ');
    return new cloudwatch.MathExpression({
      expression: `SEARCH('{${namespace},${dimension},${reasonDimension}} MetricName="${metricName}" (${names})', '${statistic}', ${period.toSeconds()})`,
      label: '',
      period,
    });
  }

  private sumOverSubscriptions(
    metricName: string,
    statistic: string,
    label: string,
    period = Duration.minutes(5),
    missingAs = 0,
  ): cloudwatch.IMetric {
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    this.subscriptionNames.forEach((name, i) => {
      usingMetrics[`m${i}`] = this.metric(metricName, name, { statistic, period });
    });
    const ids = Object.keys(usingMetrics);
    return new cloudwatch.MathExpression({
      expression: ids.map((k) => `FILL(${k}, ${missingAs})`).join(' + '),
      usingMetrics,
      label,
      period,
    });
  }

  private createVpc(logRetention: logs.RetentionDays): ec2.IVpc {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'bridge', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    vpc.addFlowLog('RejectedTraffic', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    return vpc;
  }
}

interface ValidatedProps {
  readonly drainDeadlineMs: number;
  readonly deadLetterPrefix: string;
  readonly subscriptionNames: readonly string[];
  readonly minTaskCount: number;
  readonly maxTaskCount: number;
  readonly scaleOutBacklogMessages: number;
  readonly scaleInBacklogMessages: number;
  readonly logRetention: logs.RetentionDays;
  readonly httpPort: number;
  readonly cpu: number;
  readonly memoryLimitMiB: number;
  readonly claimCheckPrefix: string;
  readonly idleExitAfterMs: number;
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** Early errors, each naming the prop and showing the bad value (DESIGN_GUIDELINES). */
function validateProps(props: NsqLambdaBridgeProps): ValidatedProps {
  if (props.vpc && props.cluster) {
    throw new Error('NsqLambdaBridge: give either vpc or cluster, not both (the cluster already has a VPC)');
  }
  const nsqd = props.nsqdTcpAddresses ?? [];
  const lookupd = props.lookupdHttpAddresses ?? [];
  if (nsqd.length === 0 && lookupd.length === 0) {
    throw new Error(
      'NsqLambdaBridge: nsqdTcpAddresses and lookupdHttpAddresses are both empty; give at least one host:port',
    );
  }
  for (const [prop, list] of [
    ['nsqdTcpAddresses', nsqd],
    ['lookupdHttpAddresses', lookupd],
  ] as const) {
    const bad = list.filter((a) => !Token.isUnresolved(a) && !ADDRESS.test(a));
    if (bad.length > 0) throw new Error(`NsqLambdaBridge: ${prop} must be host:port, got ${show(bad)}`);
  }

  // Names as the bridge itself derives them (bridgeConfigFromDefinitions): the metric dimension.
  const subscriptionNames = bridgeRuntimeConfig({
    targets: [...props.targets, ...(props.httpTargets ?? [])].map((t) => ({
      definition: t.definition,
      functionName: t.definition.name,
    })),
    nsqdTcpAddresses: [],
    lookupdHttpAddresses: [],
    region: 'validation',
    deadLetterBucket: 'validation',
    deadLetterPrefix: 'validation/',
    httpPort: 8080,
    drainDeadlineMs: 1_000,
  }).subscriptions.map((s) => s.name);
  if (subscriptionNames.length === 0) {
    throw new Error(
      `NsqLambdaBridge: no subscriptions; targets ${show([...props.targets, ...(props.httpTargets ?? [])].map((t) => t.definition.name))} ` +
        'declare none (add `subscriptions` to a function definition)',
    );
  }
  const duplicates = subscriptionNames.filter((n, i) => subscriptionNames.indexOf(n) !== i);
  if (duplicates.length > 0) {
    throw new Error(`NsqLambdaBridge: duplicate subscriptions ${show([...new Set(duplicates)])}`);
  }
  if (subscriptionNames.length > MAX_SCALING_SUBSCRIPTIONS) {
    throw new Error(
      `NsqLambdaBridge: ${subscriptionNames.length} subscriptions, but backlog scaling can watch at most ` +
        `${MAX_SCALING_SUBSCRIPTIONS} (a CloudWatch alarm limit); split them over several bridges`,
    );
  }
  const targetNames = [...props.targets, ...(props.httpTargets ?? [])].map((t) => t.definition.name);
  for (const t of props.httpTargets ?? []) checkHttpTarget(t);
  const dupTargets = targetNames.filter((n, i) => targetNames.indexOf(n) !== i);
  if (dupTargets.length > 0) throw new Error(`NsqLambdaBridge: duplicate targets ${show(dupTargets)}`);

  const drainDeadlineMs = props.drainDeadlineMs ?? DEFAULT_DRAIN_DEADLINE_MS;
  if (
    !Number.isInteger(drainDeadlineMs) ||
    drainDeadlineMs < 1_000 ||
    drainDeadlineMs + BRIDGE_EXIT_MARGIN_MS > FARGATE_MAX_STOP_TIMEOUT_MS
  ) {
    throw new Error(
      `NsqLambdaBridge: drainDeadlineMs must be an integer from 1000 to ${FARGATE_MAX_STOP_TIMEOUT_MS - BRIDGE_EXIT_MARGIN_MS} ` +
        `(Fargate stops a task at most ${FARGATE_MAX_STOP_TIMEOUT_MS} ms after SIGTERM, and the bridge needs ` +
        `${BRIDGE_EXIT_MARGIN_MS} ms to exit), got ${show(drainDeadlineMs)}`,
    );
  }

  const deadLetterPrefix = props.deadLetterPrefix ?? 'dead-letters/';
  if (!/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/.test(deadLetterPrefix)) {
    throw new Error(
      `NsqLambdaBridge: deadLetterPrefix must be a relative key prefix ending in '/', like 'dead-letters/', got ${show(deadLetterPrefix)}`,
    );
  }
  const retentionDays = props.deadLetterRetentionDays;
  if (retentionDays !== undefined && (!Number.isInteger(retentionDays) || retentionDays < 1)) {
    throw new Error(
      `NsqLambdaBridge: deadLetterRetentionDays must be a whole number ≥ 1, got ${show(retentionDays)}`,
    );
  }

  const minTaskCount = props.minTaskCount ?? 1;
  const maxTaskCount = props.maxTaskCount ?? 4;
  if (!Number.isInteger(minTaskCount) || minTaskCount < 0) {
    throw new Error(
      `NsqLambdaBridge: minTaskCount must be a whole number ≥ 0 (0: scale to zero), got ${show(minTaskCount)}`,
    );
  }
  if (maxTaskCount < 1)
    throw new Error(`NsqLambdaBridge: maxTaskCount must be ≥ 1, got ${show(maxTaskCount)}`);
  const scaleToZero = validateScaleToZero(props, minTaskCount);
  if (!Number.isInteger(maxTaskCount) || maxTaskCount < minTaskCount) {
    throw new Error(
      `NsqLambdaBridge: maxTaskCount must be a whole number ≥ minTaskCount (${minTaskCount}), got ${show(maxTaskCount)}`,
    );
  }
  const scaleOutBacklogMessages = props.scaleOutBacklogMessages ?? 1_000;
  const scaleInBacklogMessages = props.scaleInBacklogMessages ?? (minTaskCount === 0 ? 0 : 10);
  if (minTaskCount === 0 && scaleInBacklogMessages !== 0) {
    throw new Error(
      `NsqLambdaBridge: with minTaskCount 0, scaleInBacklogMessages must be 0 (scaling in at a backlog would stop the last task while messages wait), got ${show(scaleInBacklogMessages)}`,
    );
  }
  if (
    !Number.isInteger(scaleInBacklogMessages) ||
    !Number.isInteger(scaleOutBacklogMessages) ||
    scaleInBacklogMessages < 0 ||
    scaleOutBacklogMessages <= scaleInBacklogMessages
  ) {
    throw new Error(
      `NsqLambdaBridge: need whole numbers 0 ≤ scaleInBacklogMessages < scaleOutBacklogMessages, got ` +
        `scaleInBacklogMessages ${show(scaleInBacklogMessages)} and scaleOutBacklogMessages ${show(scaleOutBacklogMessages)}`,
    );
  }
  const caPem = props.nsqTls?.caPem;
  if (caPem !== undefined && !caPem.trimStart().startsWith('-----BEGIN CERTIFICATE-----')) {
    throw new Error(
      `NsqLambdaBridge: nsqTls.caPem must be PEM certificates (-----BEGIN CERTIFICATE-----), got ${show(`${caPem.slice(0, 32)}${caPem.length > 32 ? '…' : ''}`)}`,
    );
  }
  const cpu = props.cpu ?? 256;
  if (!FARGATE_CPU_UNITS.includes(cpu)) {
    throw new Error(
      `NsqLambdaBridge: cpu must be one of Fargate's ${FARGATE_CPU_UNITS.join(', ')}, got ${show(cpu)}`,
    );
  }
  const memoryLimitMiB = props.memoryLimitMiB ?? 512;
  if (!Number.isInteger(memoryLimitMiB) || memoryLimitMiB < 512) {
    throw new Error(
      `NsqLambdaBridge: memoryLimitMiB must be a whole number ≥ 512, got ${show(memoryLimitMiB)}`,
    );
  }
  const httpPort = props.httpPort ?? 8080;
  if (!Number.isInteger(httpPort) || httpPort < 1 || httpPort > 65_535) {
    throw new Error(`NsqLambdaBridge: httpPort must be 1 to 65535, got ${show(httpPort)}`);
  }
  return {
    drainDeadlineMs,
    deadLetterPrefix,
    subscriptionNames,
    minTaskCount,
    maxTaskCount,
    scaleOutBacklogMessages,
    scaleInBacklogMessages,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    httpPort,
    cpu,
    memoryLimitMiB,
    claimCheckPrefix: validateClaimCheck(props, deadLetterPrefix),
    idleExitAfterMs: scaleToZero.idleExitAfterMs,
  };
}

const KEY_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/;

function validateClaimCheck(props: NsqLambdaBridgeProps, deadLetterPrefix: string): string {
  const prefix = props.claimCheck?.prefix ?? 'claim-checks/';
  if (!KEY_PREFIX.test(prefix))
    throw new Error(
      `NsqLambdaBridge: claimCheck.prefix must be a relative key prefix ending in '/', like 'claim-checks/', got ${show(prefix)}`,
    );
  if (prefix.startsWith(deadLetterPrefix) || deadLetterPrefix.startsWith(prefix))
    throw new Error(
      `NsqLambdaBridge: claimCheck.prefix ${show(prefix)} overlaps deadLetterPrefix ${show(deadLetterPrefix)}; claim checks expire, dead letters must not`,
    );
  const days = props.claimCheck?.expiryDays;
  if (days !== undefined && (!Number.isInteger(days) || days < 1))
    throw new Error(`NsqLambdaBridge: claimCheck.expiryDays must be a whole number ≥ 1, got ${show(days)}`);
  const threshold = props.claimCheck?.thresholdBytes;
  if (threshold !== undefined && (!Number.isInteger(threshold) || threshold < 1))
    throw new Error(
      `NsqLambdaBridge: claimCheck.thresholdBytes must be a whole number ≥ 1, got ${show(threshold)}`,
    );
  return prefix;
}

/** The bridge reads the backlog every 15 s (its default backlog.intervalMs): idle needs at least that. */
const MIN_IDLE_EXIT_MS = 15_000;

function validateScaleToZero(props: NsqLambdaBridgeProps, minTaskCount: number): { idleExitAfterMs: number } {
  const idleExitAfterMs = props.idleExitAfterMs ?? 900_000;
  if (minTaskCount !== 0) {
    if (props.idleExitAfterMs !== undefined || props.wakerSchedule !== undefined)
      throw new Error(
        'NsqLambdaBridge: idleExitAfterMs and wakerSchedule apply only with minTaskCount 0 (scale to zero)',
      );
    return { idleExitAfterMs };
  }
  if ((props.lookupdHttpAddresses ?? []).length === 0)
    throw new Error(
      'NsqLambdaBridge: minTaskCount 0 needs lookupdHttpAddresses: the waker finds the nsqd holding each topic through nsqlookupd',
    );
  if (!Number.isInteger(idleExitAfterMs) || idleExitAfterMs < MIN_IDLE_EXIT_MS)
    throw new Error(
      `NsqLambdaBridge: idleExitAfterMs must be a whole number ≥ ${MIN_IDLE_EXIT_MS} (one backlog read), got ${show(idleExitAfterMs)}`,
    );
  return { idleExitAfterMs };
}
