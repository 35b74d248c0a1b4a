/**
 * The whole system in one stack, built from the function definitions: one NsqLambdaFunction per
 * definition, the buckets and secrets their grants ask for, the bridge feeding every subscription, and
 * the dashboard and alarms. Adding a function folder adds its Lambda, subscription and permissions here
 * with no edit to this file.
 */
import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { LoadedFunction } from '#shared/functions/loader';
import { type DeploySettings, placeholderAddressWarnings } from './deploy-settings.ts';
import { acknowledgeNag } from './nag.ts';
import { NsqLambdaBridge } from './nsq-lambda-bridge.ts';
import { NsqLambdaFunction } from './nsq-lambda-function.ts';
import { NsqLambdaObservability } from './nsq-lambda-observability.ts';
import { secureBucket } from './secure-bucket.ts';

export interface NsqLambdaStackProps extends StackProps {
  /** The functions, as `loadFunctions()` finds them. */
  readonly functions: readonly LoadedFunction[];
  readonly settings: DeploySettings;
  /**
   * The bridge image.
   * @default - built from bridge/Dockerfile (see NsqLambdaBridge)
   */
  readonly bridgeImage?: ecs.ContainerImage;
}

/** `html-backup` → `HtmlBackup`: construct ids stay readable and stable per function name. */
export function pascalCase(name: string): string {
  return name
    .split('-')
    .filter((p) => p.length > 0)
    .map((p) => p[0]?.toUpperCase() + p.slice(1))
    .join('');
}

export class NsqLambdaStack extends Stack {
  public readonly functions: ReadonlyMap<string, NsqLambdaFunction>;
  public readonly bridge: NsqLambdaBridge;
  public readonly observability: NsqLambdaObservability;
  public readonly accessLogsBucket: s3.Bucket;
  public readonly deadLetterBucket: s3.Bucket;
  public readonly dataBucket?: s3.Bucket;
  public readonly upstashSecret?: secretsmanager.ISecret;
  public readonly nsqAuthSecret?: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: NsqLambdaStackProps) {
    super(scope, id, props);
    const { settings } = props;
    if (props.functions.length === 0) {
      throw new Error('NsqLambdaStack: no functions found (add functions/<name>/definition.ts)');
    }
    const retention = settings.logRetentionDays;

    this.accessLogsBucket = secureBucket(this, 'AccessLogsBucket', {
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
    });
    this.deadLetterBucket = secureBucket(this, 'DeadLetterBucket', {
      serverAccessLogsBucket: this.accessLogsBucket,
      lifecycleRules: [
        { id: 'expire-dead-letters', prefix: 'dead-letters/', expiration: Duration.days(90) },
        {
          id: 'expire-claim-checks',
          prefix: 'claim-checks/',
          expiration: Duration.days(settings.claimCheck?.expiryDays ?? 1),
        },
      ],
    });
    if (props.functions.some((f) => f.definition.grants.dataBucket !== 'none')) {
      this.dataBucket = secureBucket(this, 'DataBucket', {
        serverAccessLogsBucket: this.accessLogsBucket,
      });
    }

    if (settings.upstashSecretArn) {
      this.upstashSecret = secretsmanager.Secret.fromSecretCompleteArn(
        this,
        'UpstashSecret',
        settings.upstashSecretArn,
      );
    } else if (props.functions.some((f) => f.definition.grants.upstash)) {
      // A placeholder the operator fills in (docs/deploy.md); the token is random until then, the URL
      // is not a secret. Nothing secret is in the template.
      this.upstashSecret = new secretsmanager.Secret(this, 'UpstashSecret', {
        description: 'nsq-lambda: Upstash Redis REST url and token (JSON keys url, token); set after deploy',
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ url: 'https://replace-me.upstash.io' }),
          generateStringKey: 'token',
          excludePunctuation: true,
        },
      });
      acknowledgeNag(
        this.upstashSecret,
        ['SMG4'],
        'Upstash REST credentials are issued by Upstash; they are rotated in the Upstash console and then ' +
          'written here (docs/deploy.md), so Secrets Manager cannot rotate them itself.',
      );
    }
    if (settings.nsqAuthSecretArn) {
      this.nsqAuthSecret = secretsmanager.Secret.fromSecretCompleteArn(
        this,
        'NsqAuthSecret',
        settings.nsqAuthSecretArn,
      );
    }

    const known = new Set(props.functions.map((f) => f.definition.name));
    for (const key of ['functionEnvironment', 'httpTargets'] as const) {
      const unknown = Object.keys(settings[key]).filter((name) => !known.has(name));
      if (unknown.length > 0) {
        throw new Error(
          `nsqLambda.${key} names unknown function(s) ${JSON.stringify(unknown)}; known: ${JSON.stringify([...known])}`,
        );
      }
    }
    const functions = new Map<string, NsqLambdaFunction>();
    for (const loaded of props.functions) {
      // Served by an HTTP endpoint: no Lambda (the bridge gets it as an HTTP target below).
      if (settings.httpTargets[loaded.definition.name]) continue;
      // An edge function (target 'edge') is deployed to its edge platform (docs/edge.md), never as a Lambda.
      if (loaded.definition.target === 'edge') continue;
      const deploymentEnvironment = settings.functionEnvironment[loaded.definition.name];
      const fn = new NsqLambdaFunction(this, `${pascalCase(loaded.definition.name)}Function`, {
        loaded,
        logRetention: retention,
        ...(deploymentEnvironment && { deploymentEnvironment }),
      });
      fn.bindResources({
        ...(this.dataBucket && { dataBucket: this.dataBucket }),
        ...(this.upstashSecret && { upstashSecret: this.upstashSecret }),
      });
      functions.set(loaded.definition.name, fn);
    }
    this.functions = functions;

    for (const warning of placeholderAddressWarnings(settings)) {
      Annotations.of(this).addWarningV2('nsq-lambda:placeholderAddress', warning);
    }

    const vpc = settings.vpcId ? ec2.Vpc.fromLookup(this, 'Vpc', { vpcId: settings.vpcId }) : undefined;

    this.bridge = new NsqLambdaBridge(this, 'Bridge', {
      // Only functions with subscriptions are targets: the bridge may invoke nothing else.
      targets: [...functions.values()]
        .filter((fn) => fn.definition.subscriptions.length > 0)
        .map((fn) => ({ definition: fn.definition, function: fn as lambda.IFunction })),
      httpTargets: props.functions
        .filter((f) => settings.httpTargets[f.definition.name] !== undefined)
        .map((f) => {
          const t = settings.httpTargets[f.definition.name] as DeploySettings['httpTargets'][string];
          return {
            definition: f.definition,
            url: t.url,
            ...(t.signingSecretArn && {
              signingSecret: secretsmanager.Secret.fromSecretCompleteArn(
                this,
                `${pascalCase(f.definition.name)}SigningSecretImport`,
                t.signingSecretArn,
              ),
            }),
            ...(t.timeoutMs !== undefined && { timeoutMs: t.timeoutMs }),
            ...(t.headers && { headers: t.headers }),
          };
        }),
      nsqdTcpAddresses: settings.nsqdTcpAddresses,
      lookupdHttpAddresses: settings.lookupdHttpAddresses,
      ...(settings.nsqTls && {
        nsqTls: {
          ...(settings.nsqTls.caPem !== undefined && { caPem: settings.nsqTls.caPem }),
          ...(settings.nsqTls.servername !== undefined && { servername: settings.nsqTls.servername }),
          ...(settings.nsqTls.rejectUnauthorized !== undefined && {
            rejectUnauthorized: settings.nsqTls.rejectUnauthorized,
          }),
        },
      }),
      ...(vpc && { vpc }),
      deadLetterBucket: this.deadLetterBucket,
      ...(this.upstashSecret && { upstashSecret: this.upstashSecret }),
      ...(this.nsqAuthSecret && { nsqAuthSecret: this.nsqAuthSecret }),
      ...(props.bridgeImage && { image: props.bridgeImage }),
      ...(settings.minTaskCount !== undefined && { minTaskCount: settings.minTaskCount }),
      ...(settings.maxTaskCount !== undefined && { maxTaskCount: settings.maxTaskCount }),
      ...(settings.drainDeadlineMs !== undefined && { drainDeadlineMs: settings.drainDeadlineMs }),
      ...(settings.claimCheck && {
        claimCheck: {
          ...(settings.claimCheck.expiryDays !== undefined && { expiryDays: settings.claimCheck.expiryDays }),
          ...(settings.claimCheck.thresholdBytes !== undefined && {
            thresholdBytes: settings.claimCheck.thresholdBytes,
          }),
        },
      }),
      ...(settings.idleExitAfterMs !== undefined && { idleExitAfterMs: settings.idleExitAfterMs }),
      ...(settings.wakerIntervalMinutes !== undefined && {
        wakerSchedule: Duration.minutes(settings.wakerIntervalMinutes),
      }),
      ...(settings.scaleOutBacklogMessages !== undefined && {
        scaleOutBacklogMessages: settings.scaleOutBacklogMessages,
      }),
      logRetention: retention,
    });

    this.observability = new NsqLambdaObservability(this, 'Observability', {
      bridge: this.bridge,
      functions,
      ...(settings.alarmTopicArn && {
        alarmTopic: sns.Topic.fromTopicArn(this, 'AlarmTopic', settings.alarmTopicArn),
      }),
    });

    new CfnOutput(this, 'DeadLetterBucketName', { value: this.deadLetterBucket.bucketName });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
    new CfnOutput(this, 'BridgeServiceName', { value: this.bridge.service.serviceName });
    new CfnOutput(this, 'BridgeClusterName', { value: this.bridge.cluster.clusterName });
    for (const [name, fn] of functions) {
      new CfnOutput(this, `${pascalCase(name)}FunctionName`, { value: fn.functionName });
    }
    for (const [name, secret] of this.bridge.signingSecrets) {
      new CfnOutput(this, `${pascalCase(name)}SigningSecretArn`, { value: secret.secretArn });
    }
  }
}
