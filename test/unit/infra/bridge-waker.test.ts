/**
 * Scale to zero on the template (minTaskCount 0): the waker's schedule, its least-privilege ECS access
 * (one service), the bridge's own ecs:UpdateService on that service, and the idle exit in its config.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { wakerConfigSchema } from '#infra/functions/bridge-waker/wake';
import { NsqLambdaBridge, type NsqLambdaBridgeProps } from '#infra/lib/nsq-lambda-bridge';
import { defineFunction } from '#shared/functions/definition';
import { SYNTH_TIMEOUT_MS } from './fixtures/synth.ts';

vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/example/nsq-lambda-bridge:test');

function build(overrides: Partial<NsqLambdaBridgeProps> = {}) {
  const stack = new Stack(new App(), 'ScaleToZero', {
    env: { account: '123456789012', region: 'us-east-1' },
  });
  const fn = lambda.Function.fromFunctionAttributes(stack, 'Alpha', {
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:alpha',
    sameEnvironment: true,
  });
  const bridge = new NsqLambdaBridge(stack, 'Bridge', {
    targets: [
      {
        definition: defineFunction({
          name: 'alpha',
          subscriptions: [{ topic: 'events', channel: 'alpha', ephemeral: true }],
        }),
        function: fn,
      },
    ],
    lookupdHttpAddresses: ['lookupd.internal:4161'],
    image,
    ...overrides,
  });
  return { stack, bridge };
}

describe('minTaskCount 0', () => {
  let stack: Stack;
  let bridge: NsqLambdaBridge;
  let template: Template;
  beforeAll(() => {
    ({ stack, bridge } = build({
      minTaskCount: 0,
      wakerSchedule: Duration.minutes(2),
      idleExitAfterMs: 600_000,
    }));
    template = Template.fromStack(stack);
  });

  it('lets autoscaling reach 0 and scales in only when nothing waits', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 0,
      MaxCapacity: 4,
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      StepScalingPolicyConfiguration: Match.objectLike({
        StepAdjustments: Match.arrayWith([
          Match.objectLike({ MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }),
        ]),
      }),
    });
    // No Backlog data (no task) counts as 1, never 0.
    const alarms = JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toContain('FILL(m0, 1)');
  });

  it('runs the waker on the schedule, in the VPC, one run at a time', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(2 minutes)',
      State: 'ENABLED',
    });
    expect(bridge.waker?.schedule.toMinutes()).toBe(2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('wakes the bridge service'),
      ReservedConcurrentExecutions: 1,
      VpcConfig: Match.objectLike({ SecurityGroupIds: Match.anyValue() }),
    });
  });

  it('gives the waker the subscriptions and lookupd, valid against its schema', () => {
    const fns = template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('wakes the bridge service') },
    });
    const env = Object.values(fns)[0]?.Properties.Environment.Variables;
    const config = JSON.parse(stack.resolve(env.WAKER_CONFIG));
    expect(wakerConfigSchema.parse(config)).toEqual({
      lookupdHttpAddresses: ['lookupd.internal:4161'],
      subscriptions: [{ name: 'alpha', topic: 'events', channel: 'alpha#ephemeral' }],
      requestTimeoutMs: 5_000,
    });
    const service = Object.values(template.findResources('AWS::ECS::Service'))[0];
    expect(env.ECS_SERVICE).toBe(service?.Properties.ServiceName);
    expect(env.ECS_SERVICE).toMatch(/^[A-Za-z0-9]+$/);
  });

  it('allows the waker ecs:DescribeServices and ecs:UpdateService on the bridge service only', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const ecsStatements = policies.flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>)
        .filter((s) => JSON.stringify(s.Action).includes('ecs:'))
        .map((s) => ({ roles: JSON.stringify(p.Properties.Roles), ...s })),
    );
    expect(ecsStatements).toHaveLength(2);
    const waker = ecsStatements.find((s) => s.roles.includes('Waker'));
    const task = ecsStatements.find((s) => s.roles.includes('TaskRole'));
    expect(waker?.Action).toEqual(['ecs:DescribeServices', 'ecs:UpdateService']);
    expect(task?.Action).toBe('ecs:UpdateService');
    for (const s of [waker, task]) {
      const resource = JSON.stringify(s?.Resource);
      expect(resource).toContain(':service/');
      expect(resource).not.toContain('*');
    }
    expect(JSON.stringify(waker?.Resource)).toBe(JSON.stringify(task?.Resource));
  });

  it("turns the bridge's idle exit on, naming its cluster and service", () => {
    const task = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0];
    const env = task?.Properties.ContainerDefinitions[0].Environment as Array<{
      Name: string;
      Value: unknown;
    }>;
    const text = JSON.stringify(stack.resolve(env.find((e) => e.Name === 'NSQ_LAMBDA_CONFIG')?.Value));
    expect(text).toContain('\\"idleExit\\":{\\"afterMs\\":600000,\\"ecsService\\":{\\"cluster\\":');
    const service = Object.values(template.findResources('AWS::ECS::Service'))[0];
    expect(text).toContain(service?.Properties.ServiceName);
  });
});

describe('scale to zero validation', () => {
  it('creates no waker and no ECS permission with the default minTaskCount', () => {
    const { stack, bridge } = build();
    expect(bridge.waker).toBeUndefined();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::Rule', 0);
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('ecs:UpdateService');
  });

  it.each<[string, Partial<NsqLambdaBridgeProps>, RegExp]>([
    [
      'no lookupd',
      { minTaskCount: 0, lookupdHttpAddresses: [], nsqdTcpAddresses: ['nsqd.internal:4150'] },
      /minTaskCount 0 needs lookupdHttpAddresses/,
    ],
    [
      'a scale-in backlog',
      { minTaskCount: 0, scaleInBacklogMessages: 5 },
      /with minTaskCount 0, scaleInBacklogMessages must be 0/,
    ],
    [
      'a short idle period',
      { minTaskCount: 0, idleExitAfterMs: 5_000 },
      /idleExitAfterMs must be a whole number ≥ 15000/,
    ],
    ['idle exit without scale to zero', { idleExitAfterMs: 60_000 }, /apply only with minTaskCount 0/],
    [
      'a sub-minute schedule',
      { minTaskCount: 0, wakerSchedule: Duration.seconds(30) },
      /schedule must be whole minutes/,
    ],
    ['a negative minimum', { minTaskCount: -1 }, /minTaskCount must be a whole number ≥ 0/],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
