/**
 * HTTP targets in the infra: the bridge construct gets the subscription with an HTTP target, the signing
 * secret lives in Secrets Manager and only the bridge's task role may read it (never the execution role,
 * never injected by ECS), no Lambda is created or granted for it; the stack builds one from deploy settings.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NsqLambdaBridge, type NsqLambdaBridgeProps } from '#infra/lib/nsq-lambda-bridge';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import { defineFunction } from '#shared/functions/definition';
import {
  bridgeConfigOf,
  SYNTH_TIMEOUT_MS,
  type SynthesizedFixture,
  synthFixtureApp,
} from './fixtures/synth.ts';

vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/example/nsq-lambda-bridge:test');
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:edge-signing-AbCdEf';

function newStack(): Stack {
  return new Stack(new App(), 'BridgeHttpTest', { env: { account: '123456789012', region: 'us-east-1' } });
}

function build(
  overrides: Partial<NsqLambdaBridgeProps> | ((stack: Stack) => Partial<NsqLambdaBridgeProps>) = {},
) {
  const stack = newStack();
  const lambdaTarget = {
    definition: defineFunction({ name: 'alpha', subscriptions: [{ topic: 'events', channel: 'alpha' }] }),
    function: lambda.Function.fromFunctionAttributes(stack, 'Alpha', {
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:alpha',
      sameEnvironment: true,
    }),
  };
  const bridge = new NsqLambdaBridge(stack, 'Bridge', {
    targets: [lambdaTarget],
    httpTargets: [
      {
        definition: defineFunction({ name: 'edge', subscriptions: [{ topic: 'orders', channel: 'edge' }] }),
        url: 'https://orders.example.workers.dev/batch',
        headers: { 'x-platform': 'workers' },
        timeoutMs: 20_000,
      },
    ],
    lookupdHttpAddresses: ['lookupd.internal:4161'],
    image,
    ...(typeof overrides === 'function' ? overrides(stack) : overrides),
  });
  const json = Template.fromStack(stack).toJSON() as { Resources: Resources };
  return { stack, bridge, template: Template.fromStack(stack), resources: json.Resources };
}

function statementsOf(r: Resources[string]): Statement[] {
  return (r.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? [];
}

function policiesReading(resources: Resources, secretRef: unknown) {
  return Object.values(resources).filter(
    (r) =>
      r.Type === 'AWS::IAM::Policy' &&
      statementsOf(r).some(
        (s) =>
          [s.Action].flat().includes('secretsmanager:GetSecretValue') &&
          JSON.stringify(s.Resource) === JSON.stringify(secretRef),
      ),
  );
}

describe('NsqLambdaBridge with an HTTP target', () => {
  it('generates the signing secret; only the task role may read it; ECS does not inject it', () => {
    const { bridge, template, resources, stack } = build();
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
    const secretId = Object.keys(template.findResources('AWS::SecretsManager::Secret'))[0];
    const readers = policiesReading(resources, { Ref: secretId });
    expect(readers).toHaveLength(1);
    const taskRoleId = stack.getLogicalId(bridge.taskRole.node.defaultChild as never);
    expect(readers[0]?.Properties?.Roles).toEqual([{ Ref: taskRoleId }]);
    // Nothing else mentions the secret in a policy (the execution role included).
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy');
    expect(policies.filter((p) => JSON.stringify(p).includes(String(secretId)))).toHaveLength(1);
    const container = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0]?.Properties
      .ContainerDefinitions[0];
    expect(container.Secrets).toBeUndefined();
    expect(bridge.signingSecrets.get('edge')).toBeDefined();
  });

  it('creates and grants no Lambda for it: invoke is granted on the Lambda target only', () => {
    const { template, resources } = build();
    template.resourceCountIs('AWS::Lambda::Function', 0);
    const invokes = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap(statementsOf)
      .filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(JSON.stringify(invokes)).toContain('function:alpha');
    expect(JSON.stringify(invokes)).not.toContain('edge');
  });

  it('passes the target into a config the bridge accepts, the secret by its ARN', () => {
    const { resources } = build((stack) => ({
      httpTargets: [
        {
          definition: defineFunction({ name: 'edge', subscriptions: [{ topic: 'orders', channel: 'edge' }] }),
          url: 'https://orders.example.workers.dev/batch',
          signingSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Imported', SECRET_ARN),
        },
      ],
    }));
    const config = parseBridgeConfig(bridgeConfigOf(resources));
    const edge = config.subscriptions.find((s) => s.name === 'edge');
    expect(edge?.target).toEqual({
      type: 'http',
      url: 'https://orders.example.workers.dev/batch',
      signingSecret: SECRET_ARN,
      headers: {},
    });
    expect(edge?.functionName).toBe('edge');
    expect(config.subscriptions.find((s) => s.name === 'alpha')?.target).toBeUndefined();
    expect(policiesReading(resources, SECRET_ARN)).toHaveLength(1);
  });

  it('the generated secret ARN reaches the config as a reference', () => {
    const { resources } = build();
    const config = parseBridgeConfig(bridgeConfigOf(resources));
    const edge = config.subscriptions.find((s) => s.name === 'edge');
    expect(edge?.target?.signingSecret).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:BridgeedgeSigningSecret/,
    );
    expect(edge?.target?.headers).toEqual({ 'x-platform': 'workers' });
    expect(edge?.invocationTimeoutMs).toBe(20_000);
  });

  it('fails at synth on an endpoint the bridge would refuse, naming the target', () => {
    expect(() =>
      build({
        httpTargets: [
          {
            definition: defineFunction({
              name: 'edge',
              subscriptions: [{ topic: 'orders', channel: 'edge' }],
            }),
            url: 'http://orders.example.com/batch',
            headers: { 'x-nsq-lambda-signature': 'x' },
          },
        ],
      }),
    ).toThrow(
      /httpTargets "edge": url: must be https:\/\/.*headers\.x-nsq-lambda-signature: .*set by the bridge/,
    );
  });

  it('fails on a name used by a Lambda target and an HTTP target', () => {
    expect(() =>
      build({
        httpTargets: [
          {
            definition: defineFunction({ name: 'alpha', subscriptions: [{ topic: 'x', channel: 'y' }] }),
            url: 'https://a.example.com',
          },
        ],
      }),
    ).toThrow(/duplicate/);
  });
});

describe('NsqLambdaStack with nsqLambda.httpTargets', () => {
  let fixture: SynthesizedFixture;
  let resources: Resources;
  beforeAll(async () => {
    fixture = await synthFixtureApp({
      context: {
        'nsqLambda.nsqdTcpAddresses': 'nsqd-1.internal:4150',
        'nsqLambda.httpTargets': JSON.stringify({ echo: { url: 'https://echo.example.workers.dev' } }),
      },
    });
    resources = (
      fixture.assembly.getStackByName(fixture.stack.stackName).template as { Resources: Resources }
    ).Resources;
  });
  afterAll(() => fixture?.cleanup());

  it('creates no Lambda for the HTTP-served function, and feeds it over HTTP with a generated secret', () => {
    expect(fixture.stack.functions.has('echo')).toBe(false);
    expect(fixture.stack.functions.has('backup')).toBe(true);
    const template = Template.fromJSON({ Resources: resources });
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Environment: Match.objectLike({ Variables: Match.objectLike({ GREETING: 'hello' }) }) },
      0,
    );
    const config = parseBridgeConfig(bridgeConfigOf(resources));
    const echo = config.subscriptions.find((s) => s.name === 'echo');
    expect(echo?.target?.url).toBe('https://echo.example.workers.dev');
    expect(echo?.functionName).toBe('echo');
    const secretId = Object.keys(template.findResources('AWS::SecretsManager::Secret')).find((id) =>
      id.includes('SigningSecret'),
    );
    expect(secretId).toBeDefined();
    expect(policiesReading(resources, { Ref: secretId })).toHaveLength(1);
  });

  it('refuses an HTTP target naming an unknown function', async () => {
    await expect(
      synthFixtureApp({
        context: {
          'nsqLambda.nsqdTcpAddresses': 'nsqd-1.internal:4150',
          'nsqLambda.httpTargets': JSON.stringify({ nope: { url: 'https://x.example' } }),
        },
      }),
    ).rejects.toThrow(/nsqLambda.httpTargets names unknown function\(s\) \["nope"\]/);
  });
});
