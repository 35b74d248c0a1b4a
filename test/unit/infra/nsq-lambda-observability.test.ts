/** NsqLambdaObservability on its own: alarm actions, tunable windows, early errors. */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it, vi } from 'vitest';
import { NsqLambdaBridge } from '#infra/lib/nsq-lambda-bridge';
import { NsqLambdaObservability } from '#infra/lib/nsq-lambda-observability';
import { defineFunction } from '#shared/functions/definition';
import { SYNTH_TIMEOUT_MS } from './fixtures/synth.ts';

vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

function setup() {
  const stack = new Stack(new App(), 'ObservabilityTest');
  const fn = lambda.Function.fromFunctionAttributes(stack, 'Fn', {
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:watched',
    sameEnvironment: true,
  });
  const bridge = new NsqLambdaBridge(stack, 'Bridge', {
    targets: [
      {
        definition: defineFunction({ name: 'watched', subscriptions: [{ topic: 't', channel: 'c' }] }),
        function: fn,
      },
    ],
    nsqdTcpAddresses: ['nsqd.internal:4150'],
    image: ecs.ContainerImage.fromRegistry('example/bridge:test'),
  });
  return { stack, bridge, functions: new Map([['watched', fn]]) };
}

describe('NsqLambdaObservability', () => {
  it('notifies the alarm topic on alarm and on recovery, with the windows asked for', () => {
    const { stack, bridge, functions } = setup();
    const topic = new sns.Topic(stack, 'Alarms');
    new NsqLambdaObservability(stack, 'Observability', {
      bridge,
      functions,
      alarmTopic: topic,
      backlogGrowthMinutes: 30,
      throttleMinutes: 10,
    });
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).filter(
      (a) =>
        JSON.stringify(a.Properties.AlarmDescription ?? '').match(/dead-lettered|grew|healthy|throttled/),
    );
    expect(alarms).toHaveLength(4);
    for (const a of alarms) {
      expect(JSON.stringify(a.Properties.AlarmActions)).toContain('Alarms');
      expect(JSON.stringify(a.Properties.OKActions)).toContain('Alarms');
    }
    const byText = (t: string) =>
      alarms.find((a) => String(a.Properties.AlarmDescription).includes(t))?.Properties;
    expect(byText('grew')).toMatchObject({ EvaluationPeriods: 30, DatapointsToAlarm: 30 });
    expect(byText('throttled')).toMatchObject({ EvaluationPeriods: 10, DatapointsToAlarm: 10 });
  });

  it('fails early on a window outside 1 to 1440 minutes, showing the value', () => {
    const { stack, bridge, functions } = setup();
    expect(
      () => new NsqLambdaObservability(stack, 'Zero', { bridge, functions, backlogGrowthMinutes: 0 }),
    ).toThrow('backlogGrowthMinutes must be a whole number from 1 to 1440, got 0');
    expect(
      () => new NsqLambdaObservability(stack, 'Frac', { bridge, functions, throttleMinutes: 2.5 }),
    ).toThrow('throttleMinutes must be a whole number from 1 to 1440, got 2.5');
  });
});
