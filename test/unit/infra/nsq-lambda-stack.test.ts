/**
 * The whole system as `cdk deploy` creates it, from the fixture function definitions (echo: one
 * subscription; backup: two subscriptions, data bucket readWrite and Upstash; lonely: no subscription,
 * data bucket read). Synthesized once; every resource and permission of issue 6 asserted on the template.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_DRAIN_DEADLINE_MS, parseBridgeConfig } from '#shared/config/bridge-config';
import {
  bridgeConfigOf,
  NSQ_AUTH_SECRET_ARN,
  SYNTH_TIMEOUT_MS,
  type SynthesizedFixture,
  synthFixtureApp,
} from './fixtures/synth.ts';

vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

let fixture: SynthesizedFixture;
let template: Template;
let resources: Resources;

beforeAll(async () => {
  fixture = await synthFixtureApp({
    context: {
      'nsqLambda.nsqdTcpAddresses': 'nsqd-1.internal:4150,nsqd-2.internal:4150',
      'nsqLambda.nsqAuthSecretArn': NSQ_AUTH_SECRET_ARN,
    },
  });
  const json = fixture.assembly.getStackByName(fixture.stack.stackName).template as { Resources: Resources };
  template = Template.fromJSON(json);
  resources = json.Resources;
});
afterAll(() => fixture?.cleanup());

function logicalId(type: string, pathPart: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(pathPart));
  if (ids.length !== 1)
    throw new Error(`expected one ${type} starting with ${pathPart}, found ${JSON.stringify(ids)}`);
  return ids[0] as string;
}

/** All statements of the policies attached to a role (by the role's logical id). */
function statementsOfRole(roleId: string): Statement[] {
  return Object.values(resources)
    .filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        JSON.stringify(r.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]),
    )
    .flatMap(
      (r) => (r.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? [],
    );
}

function actionsOf(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}

function resourcesOf(s: Statement): unknown[] {
  return Array.isArray(s.Resource) ? s.Resource : [s.Resource];
}

function functionId(name: string): string {
  return logicalId('AWS::Lambda::Function', `${name}Function`);
}

function roleOfFunction(name: string): string {
  const role = resources[functionId(name)]?.Properties?.Role as { 'Fn::GetAtt': [string, string] };
  return role['Fn::GetAtt'][0];
}

const bridgeTaskRoleId = () => logicalId('AWS::IAM::Role', 'BridgeTaskDefinitionTaskRole');

function bridgeContainer(): Record<string, unknown> {
  const td = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0] as {
    Properties: { ContainerDefinitions: Record<string, unknown>[] };
  };
  return td.Properties.ContainerDefinitions[0] as Record<string, unknown>;
}

describe('functions: one NsqLambdaFunction per definition', () => {
  it('deploys every fixture definition on nodejs24.x, ARM64, with timeout, memory and reserved concurrency from it', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'infra test fixture: one subscription, no grants',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 20,
      MemorySize: 512,
      ReservedConcurrentExecutions: 5,
      Environment: {
        Variables: Match.objectEquals({
          GREETING: 'hello',
          NSQ_LAMBDA_FUNCTION: 'echo',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^EchoFunctionLogGroup') } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('two subscriptions'),
      Timeout: 60,
      MemorySize: 256,
      ReservedConcurrentExecutions: Match.absent(),
    });
    const ours = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (r) => (r.Properties as { Architectures?: string[] }).Architectures?.[0] === 'arm64',
    );
    expect(ours).toHaveLength(3);
  });

  it('gives each function an explicit log group with retention, and write access to it only', () => {
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 5);
    const echoStatements = statementsOfRole(roleOfFunction('Echo'));
    expect(echoStatements).toHaveLength(1);
    expect(actionsOf(echoStatements[0] as Statement).sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    const role = resources[roleOfFunction('Echo')]?.Properties ?? {};
    expect(role.ManagedPolicyArns).toBeUndefined();
  });

  it('grants the data bucket and the Upstash secret exactly as each definition asks', () => {
    const dataBucket = logicalId('AWS::S3::Bucket', 'DataBucket');
    const upstash = logicalId('AWS::SecretsManager::Secret', 'UpstashSecret');
    const backup = statementsOfRole(roleOfFunction('Backup'));
    const backupActions = backup.flatMap(actionsOf);
    expect(backupActions).toEqual(
      expect.arrayContaining(['s3:GetObject*', 's3:PutObject', 's3:DeleteObject*']),
    );
    expect(backupActions).toEqual(
      expect.arrayContaining(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']),
    );
    expect(JSON.stringify(backup)).toContain(dataBucket);
    expect(JSON.stringify(backup)).toContain(upstash);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('two subscriptions'),
      Environment: {
        Variables: Match.objectLike({
          DATA_BUCKET: { Ref: dataBucket },
          UPSTASH_SECRET_ARN: { Ref: upstash },
        }),
      },
    });

    const lonely = statementsOfRole(roleOfFunction('Lonely'));
    const lonelyActions = lonely.flatMap(actionsOf);
    expect(lonelyActions).toContain('s3:GetObject*');
    expect(lonelyActions.filter((a) => /^s3:(Put|Delete|Abort)|^secretsmanager:/.test(a))).toEqual([]);

    const echoActions = statementsOfRole(roleOfFunction('Echo')).flatMap(actionsOf);
    expect(echoActions.filter((a) => a.startsWith('s3:') || a.startsWith('secretsmanager:'))).toEqual([]);
  });
});

describe('bridge permissions (least privilege through grants)', () => {
  it('lets the bridge invoke exactly the functions that have subscriptions', () => {
    const invoke = statementsOfRole(bridgeTaskRoleId()).filter((s) =>
      actionsOf(s).includes('lambda:InvokeFunction'),
    );
    const targets = JSON.stringify(invoke.flatMap(resourcesOf));
    expect(targets).toContain(functionId('Echo'));
    expect(targets).toContain(functionId('Backup'));
    for (const s of invoke) expect(actionsOf(s)).toEqual(['lambda:InvokeFunction']);
  });

  it('cannot invoke a function outside its subscriptions', () => {
    const lonely = functionId('Lonely');
    const all = statementsOfRole(bridgeTaskRoleId());
    const invokable = all.filter((s) => actionsOf(s).some((a) => a.startsWith('lambda:')));
    expect(JSON.stringify(invokable)).not.toContain(lonely);
    // And no wildcard could reach it either.
    for (const s of all) expect(resourcesOf(s)).not.toContain('*');
  });

  it('writes only below the dead-letter prefix, and reads nothing from S3', () => {
    const s3 = statementsOfRole(bridgeTaskRoleId()).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('s3:')),
    );
    expect(s3.length).toBeGreaterThan(0);
    const deadLetterBucket = logicalId('AWS::S3::Bucket', 'DeadLetterBucket');
    for (const s of s3) {
      expect(
        actionsOf(s).every((a) =>
          /^s3:(PutObject|PutObjectLegalHold|PutObjectRetention|PutObjectTagging|PutObjectVersionTagging|Abort\*)$/.test(
            a,
          ),
        ),
      ).toBe(true);
      expect(resourcesOf(s)).toEqual([
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [deadLetterBucket, 'Arn'] }, '/dead-letters/*']] },
      ]);
    }
  });

  it('injects the NSQ auth secret and the Upstash url and token as ECS secrets, never as plain env', () => {
    const container = bridgeContainer();
    const upstash = logicalId('AWS::SecretsManager::Secret', 'UpstashSecret');
    expect(container.Secrets).toEqual(
      expect.arrayContaining([
        { Name: 'NSQ_AUTH_SECRET', ValueFrom: NSQ_AUTH_SECRET_ARN },
        { Name: 'UPSTASH_REDIS_REST_URL', ValueFrom: { 'Fn::Join': ['', [{ Ref: upstash }, ':url::']] } },
        { Name: 'UPSTASH_REDIS_REST_TOKEN', ValueFrom: { 'Fn::Join': ['', [{ Ref: upstash }, ':token::']] } },
      ]),
    );
    const envNames = (container.Environment as { Name: string }[]).map((e) => e.Name).sort();
    // NODE_OPTIONS is the image's (bridge/Dockerfile): a task-level one would replace its memory flags.
    expect(envNames).toEqual(['NSQ_LAMBDA_CONFIG']);
    // The secret the stack creates has only a generated value: nothing secret in the template.
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'token' }),
      SecretString: Match.absent(),
    });
    // Only the execution role (which injects them) reads the bridge's secrets.
    const execRole = logicalId('AWS::IAM::Role', 'BridgeTaskDefinitionExecutionRole');
    const reads = statementsOfRole(execRole).filter((s) =>
      actionsOf(s).includes('secretsmanager:GetSecretValue'),
    );
    expect(JSON.stringify(reads)).toContain(NSQ_AUTH_SECRET_ARN.slice(0, 40));
    expect(JSON.stringify(reads)).toContain(upstash);
  });
});

describe('bridge service', () => {
  it('passes a config the bridge itself accepts, built from the definitions', () => {
    const config = parseBridgeConfig(bridgeConfigOf(resources));
    expect(config.subscriptions.map((s) => [s.name, s.topic, s.channel]).sort()).toEqual([
      ['backup-pages-backup', 'pages', 'backup'],
      ['backup-pages-retry-backup', 'pages-retry', 'backup'],
      ['echo', 'events', 'echo'],
    ]);
    expect(config.subscriptions.find((s) => s.name === 'echo')?.functionName).toMatch(
      /:function:EchoFunction/,
    );
    expect(config.nsqdTcpAddresses).toEqual(['nsqd-1.internal:4150', 'nsqd-2.internal:4150']);
    expect(config.deadLetter).toMatchObject({ kind: 's3', prefix: 'dead-letters/' });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8080 });
    // One default for both sides: what infra passes when drainDeadlineMs is unset is the bridge's own default.
    expect(config.drain.deadlineMs).toBe(DEFAULT_DRAIN_DEADLINE_MS);
    expect(config.drain.deadlineMs).toBe(
      parseBridgeConfig({ ...(bridgeConfigOf(resources) as object), drain: undefined }).drain.deadlineMs,
    );
    expect(config.subscriptions.find((s) => s.name === 'echo')?.functionTimeoutMs).toBe(20_000);
  });

  it('runs on Fargate ARM64 with a /healthz health check and a stop timeout above the drain deadline', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          HealthCheck: Match.objectLike({
            Command: ['CMD', 'node', '-e', Match.stringLikeRegexp('http://127\\.0\\.0\\.1:8080/healthz')],
          }),
          // drain deadline 90 s + 15 s exit margin, within Fargate's 120 s.
          StopTimeout: 105,
          ReadonlyRootFilesystem: true,
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
    });
    expect(fixture.stack.bridge.stopTimeout.toMilliseconds()).toBeGreaterThan(
      fixture.stack.bridge.drainDeadlineMs,
    );
  });

  it('builds the image from bridge/Dockerfile with the repository root as context, for linux/arm64', () => {
    const manifest = JSON.parse(
      readFileSync(join(fixture.outdir, `${fixture.stack.stackName}.assets.json`), 'utf8'),
    ) as { dockerImages: Record<string, { source: Record<string, unknown> }> };
    const images = Object.values(manifest.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0]?.source).toMatchObject({ dockerFile: 'bridge/Dockerfile', platform: 'linux/arm64' });
    // The staged build context is the repository root, trimmed by .dockerignore to what the Dockerfile copies.
    const context = join(fixture.outdir, String(images[0]?.source.directory));
    expect(readdirSync(context).sort()).toEqual(
      [
        '.dockerignore',
        'bridge',
        'functions',
        'package-lock.json',
        'package.json',
        'shared',
        'tsconfig.json',
      ].sort(),
    );
  });

  it('deploys with a circuit breaker that rolls back, in private subnets without public IPs', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      // Left to autoscaling, so a deploy never resets a scaled-out service.
      DesiredCount: Match.absent(),
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
      }),
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({
          AssignPublicIp: 'DISABLED',
          Subnets: Match.arrayWith([{ Ref: Match.stringLikeRegexp('bridgeSubnet') }]),
        }),
      },
    });
    // Nothing reaches the bridge from outside: its security group has no inbound rule at all.
    const bridgeSecurityGroups = Object.entries(template.findResources('AWS::EC2::SecurityGroup')).filter(
      ([id]) => id.startsWith('BridgeSecurityGroup'),
    );
    expect(bridgeSecurityGroups).toHaveLength(1);
    expect(bridgeSecurityGroups[0]?.[1].Properties.SecurityGroupIngress).toBeUndefined();
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('creates a VPC with private subnets, one NAT gateway and rejected-traffic flow logs', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.s3'])]) }),
    });
    template.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false }, 2);
  });

  it('scales between 1 and 4 tasks in steps on the summed backlog metric', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 4,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: Match.objectLike({ AdjustmentType: 'ChangeInCapacity' }),
    });
    const backlogAlarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) => {
      const metrics = JSON.stringify(a.Properties.Metrics ?? []);
      return metrics.includes('"MetricName":"Backlog"') && !metrics.includes('DIFF');
    });
    // One alarm for the scale-out steps, one for scale-in.
    expect(backlogAlarms).toHaveLength(2);
    const metrics = JSON.stringify(backlogAlarms[0]?.Properties.Metrics);
    for (const name of ['echo', 'backup-pages-backup', 'backup-pages-retry-backup']) {
      expect(metrics).toContain(`{"Name":"subscription","Value":"${name}"}`);
    }
    expect(metrics).toContain('"Namespace":"NsqLambda"');
    expect(metrics).toContain('"Stat":"Maximum"');
  });
});

describe('settings', () => {
  it("warns while cdk.json's placeholder address is still configured", () => {
    const messages = fixture.assembly.getStackByName(fixture.stack.stackName).messages;
    const warnings = messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data));
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'nsqLambda.lookupdHttpAddresses is still the placeholder ["nsqlookupd.placeholder.invalid:4161"]',
        ),
      ]),
    );
  });
});

describe('buckets', () => {
  it('keeps dead letters encrypted, private, TLS-only, access-logged and expiring', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: Match.objectLike({
        DestinationBucketName: { Ref: Match.stringLikeRegexp('^AccessLogsBucket') },
      }),
      LifecycleConfiguration: {
        // arrayWith matches in order: abort rule first, then the house rules.
        Rules: Match.arrayWith([
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
          Match.objectLike({ Id: 'expire-dead-letters', Prefix: 'dead-letters/', ExpirationInDays: 90 }),
          Match.objectLike({ Id: 'expire-claim-checks', Prefix: 'claim-checks/', ExpirationInDays: 1 }),
        ]),
      },
    });
    const deadLetterBucket = logicalId('AWS::S3::Bucket', 'DeadLetterBucket');
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: deadLetterBucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResource('AWS::S3::Bucket', { UpdateReplacePolicy: 'Retain', DeletionPolicy: 'Retain' });
  });
});

describe('observability', () => {
  function alarmWith(fragment: string) {
    return Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a.Properties).includes(fragment),
    );
  }

  it('alarms when anything is dead-lettered', () => {
    const [alarm] = alarmWith('dead-lettered');
    expect(alarm?.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    // A Metrics Insights query: the metric has a reason dimension, summed over every reason.
    expect(alarm?.Properties.Metrics).toEqual([
      expect.objectContaining({
        Expression:
          'SELECT SUM(MessagesDeadLettered) FROM SCHEMA("NsqLambda", subscription, reason) ' +
          "WHERE subscription = 'backup-pages-backup' OR subscription = 'backup-pages-retry-backup' OR subscription = 'echo'",
        Period: 300,
      }),
    ]);
  });

  it('alarms on sustained throttling of each function', () => {
    const alarms = alarmWith('"MetricName":"Throttles"');
    expect(alarms).toHaveLength(3);
    for (const a of alarms)
      expect(a.Properties).toMatchObject({ EvaluationPeriods: 5, DatapointsToAlarm: 5, Period: 60 });
  });

  it('alarms when the backlog keeps growing (messages ageing)', () => {
    const [alarm] = alarmWith('DIFF(backlog)');
    expect(alarm?.Properties).toMatchObject({ EvaluationPeriods: 15, DatapointsToAlarm: 15, Threshold: 0 });
  });

  it('alarms when fewer bridge tasks than the minimum are running', () => {
    const [alarm] = alarmWith('RunningTaskCount');
    expect(alarm?.Properties).toMatchObject({
      Namespace: 'ECS/ContainerInsights',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('has a dashboard with throughput, in flight, throttles, dead letters, duration and backlog', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const metric of [
      'MessagesFinished',
      'MessagesRequeued',
      'MessagesInFlight',
      'Throttles',
      'MessagesDeadLettered',
      'Duration',
      'Backlog',
    ]) {
      expect(body).toContain(metric);
    }
  });
});
