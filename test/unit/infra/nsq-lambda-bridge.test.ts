/**
 * NsqLambdaBridge on its own: defaults, the drain/stopTimeout arithmetic, and early errors for props
 * misuse that show the bad value. Functions are imported by ARN (the construct takes IFunction).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { NsqLambdaBridge, type NsqLambdaBridgeProps } from '#infra/lib/nsq-lambda-bridge';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import { defineFunction, type FunctionDefinitionInput } from '#shared/functions/definition';
import { SYNTH_TIMEOUT_MS } from './fixtures/synth.ts';

vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/example/nsq-lambda-bridge:test');

function target(stack: Stack, input: Partial<FunctionDefinitionInput> & { name: string }) {
  const definition = defineFunction({ subscriptions: [{ topic: 'events', channel: input.name }], ...input });
  const fn = lambda.Function.fromFunctionAttributes(stack, `Imported-${input.name}`, {
    functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${input.name}`,
    sameEnvironment: true,
  });
  return { definition, function: fn };
}

function newStack(): Stack {
  return new Stack(new App(), 'BridgeTest', { env: { account: '123456789012', region: 'us-east-1' } });
}

function bridge(overrides: Partial<NsqLambdaBridgeProps> = {}, stack = newStack()) {
  const b = new NsqLambdaBridge(stack, 'Bridge', {
    targets: [target(stack, { name: 'alpha' })],
    lookupdHttpAddresses: ['lookupd.internal:4161'],
    image,
    ...overrides,
  });
  return { stack, bridge: b };
}

describe('NsqLambdaBridge defaults', () => {
  let stack: Stack;
  let template: Template;
  beforeAll(() => {
    stack = newStack();
    new NsqLambdaBridge(stack, 'Bridge', {
      targets: [target(stack, { name: 'alpha' }), target(stack, { name: 'beta', subscriptions: [] })],
      lookupdHttpAddresses: ['lookupd.internal:4161'],
      image,
    });
    template = Template.fromStack(stack);
  });

  it('creates its own VPC, cluster with Container Insights and dead-letter bucket', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'dead-letters/', ExpirationInDays: 90 })]),
      },
    });
  });

  it('sets stopTimeout to the 90 s drain deadline plus the 15 s exit margin', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '256',
      Memory: '512',
      ContainerDefinitions: [Match.objectLike({ StopTimeout: 105 })],
    });
  });

  it('grants invoke on targets with subscriptions only, by ARN', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('arn:aws:lambda:us-east-1:123456789012:function:alpha');
    expect(policies).not.toContain('function:beta');
  });
});

describe('NsqLambdaBridge options', () => {
  it('runs in a given VPC without creating one, and honours sizes and the drain deadline', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Existing', { natGateways: 0, maxAzs: 2 });
    bridge(
      {
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        cpu: 512,
        memoryLimitMiB: 1024,
        drainDeadlineMs: 100_000,
        minTaskCount: 2,
        maxTaskCount: 6,
      },
      stack,
    );
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '512',
      Memory: '1024',
      ContainerDefinitions: [Match.objectLike({ StopTimeout: 115 })],
    });
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: Match.absent() });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 6,
    });
  });

  it('passes TLS settings into a config the bridge accepts', () => {
    const stack = newStack();
    const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    bridge(
      {
        deadLetterBucket: s3.Bucket.fromBucketName(stack, 'Dl', 'nsq-lambda-dead-letters'),
        nsqTls: { caPem, servername: 'nsqd.internal' },
      },
      stack,
    );
    const container = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'))[0]
      ?.Properties.ContainerDefinitions[0];
    const env = (container.Environment as { Name: string; Value: string }[]).find(
      (e) => e.Name === 'NSQ_LAMBDA_CONFIG',
    );
    const config = parseBridgeConfig(JSON.parse(String(env?.Value)));
    expect(config.tls).toMatchObject({
      enabled: true,
      servername: 'nsqd.internal',
      rejectUnauthorized: true,
      caPem,
    });
    expect(config.subscriptions[0]?.functionName).toBe(
      'arn:aws:lambda:us-east-1:123456789012:function:alpha',
    );
  });

  it('injects only the secrets it is given', () => {
    const { stack } = bridge();
    const container = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'))[0]
      ?.Properties.ContainerDefinitions[0];
    expect(container.Secrets).toBeUndefined();
  });

  it('warns when an invocation can outlast the drain deadline', () => {
    const stack = newStack();
    new NsqLambdaBridge(stack, 'Bridge', {
      targets: [target(stack, { name: 'slow', timeoutSec: 120 })],
      nsqdTcpAddresses: ['nsqd.internal:4150'],
      image,
    });
    Annotations.fromStack(stack).hasWarning(
      '/BridgeTest/Bridge',
      Match.stringLikeRegexp('"slow": an invocation may take 130000 ms'),
    );
  });

  it('warns when the bridge can run more invocations than the function reserves', () => {
    const stack = newStack();
    new NsqLambdaBridge(stack, 'Bridge', {
      targets: [
        target(stack, {
          name: 'narrow',
          reservedConcurrency: 5,
          subscriptions: [{ topic: 'events', channel: 'narrow', maxConcurrentInvocations: 2 }],
        }),
      ],
      nsqdTcpAddresses: ['nsqd.internal:4150'],
      maxTaskCount: 3,
      image,
    });
    Annotations.fromStack(stack).hasWarning(
      '/BridgeTest/Bridge',
      Match.stringLikeRegexp('"narrow": up to 6 concurrent invocations .* against reservedConcurrency 5'),
    );
  });

  it('grants dead-letter reads to a principal, under the prefix only', () => {
    const { stack, bridge: b } = bridge({ deadLetterPrefix: 'dl/' });
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    b.grantReadDeadLetters(reader);
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^Reader') }] },
    });
    const text = JSON.stringify(policies);
    expect(text).toContain('s3:GetObject*');
    expect(text).toContain('/dl/*');
  });
});

describe('NsqLambdaBridge fails early on misuse, showing the bad value', () => {
  it('fails without any NSQ address', () => {
    expect(() => bridge({ lookupdHttpAddresses: [] })).toThrow(
      /nsqdTcpAddresses and lookupdHttpAddresses are both empty/,
    );
  });

  it('fails on an address that is not host:port', () => {
    expect(() => bridge({ nsqdTcpAddresses: ['nsqd.internal', 'ok.internal:4150'] })).toThrow(
      'nsqdTcpAddresses must be host:port, got ["nsqd.internal"]',
    );
    expect(() => bridge({ lookupdHttpAddresses: ['http://lookupd:4161'] })).toThrow(
      'lookupdHttpAddresses must be host:port, got ["http://lookupd:4161"]',
    );
  });

  it('fails when given both a VPC and a cluster', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    expect(() => bridge({ vpc, cluster }, stack)).toThrow(/either vpc or cluster, not both/);
  });

  it('fails when no target has a subscription, naming the targets', () => {
    const stack = newStack();
    expect(() => bridge({ targets: [target(stack, { name: 'idle', subscriptions: [] })] }, stack)).toThrow(
      'no subscriptions; targets ["idle"] declare none',
    );
  });

  it('fails on the same function given twice', () => {
    const stack = newStack();
    const t = target(stack, { name: 'twice' });
    expect(() => bridge({ targets: [t, t] }, stack)).toThrow(/duplicate (subscriptions|targets) \["twice"\]/);
  });

  it('fails with more subscriptions than a scaling alarm can watch', () => {
    const stack = newStack();
    const subscriptions = Array.from({ length: 11 }, (_, i) => ({ topic: `t${i}`, channel: 'c' }));
    expect(() => bridge({ targets: [target(stack, { name: 'wide', subscriptions })] }, stack)).toThrow(
      /11 subscriptions, but backlog scaling can watch at most 10/,
    );
  });

  it('fails on a drain deadline that Fargate cannot honour', () => {
    expect(() => bridge({ drainDeadlineMs: 110_000 })).toThrow(
      /drainDeadlineMs must be an integer from 1000 to 105000 .* got 110000/,
    );
    expect(() => bridge({ drainDeadlineMs: 500 })).toThrow(/got 500$/);
    expect(() => bridge({ drainDeadlineMs: 1.5e3 + 0.5 })).toThrow(/got 1500.5$/);
  });

  it('fails on a dead-letter prefix that is absolute or lacks the trailing slash', () => {
    expect(() => bridge({ deadLetterPrefix: '/dead-letters/' })).toThrow(`got "/dead-letters/"`);
    expect(() => bridge({ deadLetterPrefix: 'dead-letters' })).toThrow(`got "dead-letters"`);
  });

  it('fails on task counts and scaling thresholds that contradict each other', () => {
    expect(() => bridge({ minTaskCount: -1 })).toThrow(
      'minTaskCount must be a whole number ≥ 0 (0: scale to zero), got -1',
    );
    expect(() => bridge({ minTaskCount: 3, maxTaskCount: 2 })).toThrow(
      'maxTaskCount must be a whole number ≥ minTaskCount (3), got 2',
    );
    expect(() => bridge({ scaleInBacklogMessages: 500, scaleOutBacklogMessages: 100 })).toThrow(
      'got scaleInBacklogMessages 500 and scaleOutBacklogMessages 100',
    );
  });

  it('fails on a CA that is not PEM, showing its start', () => {
    expect(() => bridge({ nsqTls: { caPem: '/etc/ssl/nsq-ca.pem' } })).toThrow(
      'nsqTls.caPem must be PEM certificates (-----BEGIN CERTIFICATE-----), got "/etc/ssl/nsq-ca.pem"',
    );
  });

  it('fails on a task size Fargate does not offer', () => {
    expect(() => bridge({ cpu: 300 })).toThrow(/cpu must be one of Fargate's 256, 512, .* got 300/);
    expect(() => bridge({ memoryLimitMiB: 256 })).toThrow(
      'memoryLimitMiB must be a whole number ≥ 512, got 256',
    );
  });

  it('fails on an HTTP port out of range and on a non-integer retention', () => {
    expect(() => bridge({ httpPort: 70_000 })).toThrow('httpPort must be 1 to 65535, got 70000');
    expect(() => bridge({ deadLetterRetentionDays: 0 })).toThrow(
      'deadLetterRetentionDays must be a whole number ≥ 1, got 0',
    );
  });
});
