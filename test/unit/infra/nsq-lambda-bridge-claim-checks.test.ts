/**
 * Claim checks on the template: the reserved prefix's expiry is configurable, the bridge may only put
 * there, the functions it feeds may only get, and the bridge's runtime config names the bucket and prefix.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { NsqLambdaBridge, type NsqLambdaBridgeProps } from '#infra/lib/nsq-lambda-bridge';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import { defineFunction } from '#shared/functions/definition';
import { SYNTH_TIMEOUT_MS } from './fixtures/synth.ts';

vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/example/nsq-lambda-bridge:test');

function synth(overrides: Partial<NsqLambdaBridgeProps> = {}) {
  const stack = new Stack(new App(), 'ClaimChecks', {
    env: { account: '123456789012', region: 'us-east-1' },
  });
  const fed = (name: string, subscriptions: { topic: string; channel: string }[]) => ({
    definition: defineFunction({ name, subscriptions }),
    function: new lambda.Function(stack, `Fn-${name}`, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    }),
  });
  const bridge = new NsqLambdaBridge(stack, 'Bridge', {
    targets: [fed('alpha', [{ topic: 'events', channel: 'alpha' }]), fed('idle', [])],
    lookupdHttpAddresses: ['lookupd.internal:4161'],
    image,
    ...overrides,
  });
  return { stack, bridge, template: Template.fromStack(stack) };
}

/** Every IAM statement of the policies attached to the role whose logical id starts with `rolePrefix`. */
function statementsOf(template: Template, rolePrefix: string): Array<{ Action: unknown; Resource: unknown }> {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const onPrefix = (prefix: string) =>
  Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(`/${prefix}/\\*$`)])] });

describe('NsqLambdaBridge claim checks', () => {
  it('off: the default bucket keeps the 1-day reservation, and nobody gets access to it', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'claim-checks/', ExpirationInDays: 1 })]),
      },
    });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('claim-checks');
  });

  it('on: configurable expiry, put for the bridge, get-only for the functions it feeds', () => {
    const { template, bridge } = synth({ claimCheck: { expiryDays: 3, thresholdBytes: 262_144 } });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'claim-checks/', ExpirationInDays: 3 })]),
      },
    });
    expect(bridge.claimCheckPrefix).toBe('claim-checks/');
    // The bridge: put on the prefix (grantPut: s3:PutObject*, s3:Abort*), never get or delete there.
    const bridgeStatements = statementsOf(template, 'BridgeTaskDefinitionTaskRole');
    const onClaimChecks = bridgeStatements.filter((s) =>
      JSON.stringify(s.Resource).includes('claim-checks/*'),
    );
    expect(onClaimChecks).toHaveLength(1);
    expect(onClaimChecks[0]?.Action).toEqual([
      's3:PutObject',
      's3:PutObjectLegalHold',
      's3:PutObjectRetention',
      's3:PutObjectTagging',
      's3:PutObjectVersionTagging',
      's3:Abort*',
    ]);
    // The fed function: exactly s3:GetObject on the prefix.
    const alpha = statementsOf(template, 'FnalphaServiceRole');
    expect(alpha).toEqual([
      expect.objectContaining({ Action: 's3:GetObject', Effect: 'Allow', Resource: expect.anything() }),
    ]);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [Match.objectLike({ Action: 's3:GetObject', Resource: onPrefix('claim-checks') })],
      },
    });
    // A function the bridge does not feed gets nothing.
    expect(statementsOf(template, 'FnidleServiceRole')).toEqual([]);
  });

  it("passes the bucket, prefix and threshold in the bridge's runtime config, valid against its schema", () => {
    const { stack, template } = synth({ claimCheck: { thresholdBytes: 262_144 } });
    const task = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0];
    const env = task?.Properties.ContainerDefinitions[0].Environment as Array<{
      Name: string;
      Value: unknown;
    }>;
    const raw = stack.resolve(env.find((e) => e.Name === 'NSQ_LAMBDA_CONFIG')?.Value);
    const text = JSON.stringify(raw);
    expect(text).toContain('claimCheck');
    expect(text).toContain('262144');
    // With the tokens replaced by plausible values, the bridge's own schema accepts it.
    const json = (raw as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]
      .map((p) => (typeof p === 'string' ? p : 'resolved-token'))
      .join('');
    const config = parseBridgeConfig(JSON.parse(json.replace(/resolved-token/g, 'dead-letter-bucket')));
    expect(config.claimCheck).toEqual({
      bucket: 'dead-letter-bucket',
      prefix: 'claim-checks/',
      thresholdBytes: 262_144,
    });
  });

  it.each([
    [{ prefix: 'dead-letters/cc/' }, /claimCheck.prefix "dead-letters\/cc\/" overlaps deadLetterPrefix/],
    [{ prefix: 'no-slash' }, /claimCheck.prefix must be a relative key prefix ending in '\/'/],
    [{ expiryDays: 0 }, /claimCheck.expiryDays must be a whole number ≥ 1, got 0/],
    [{ thresholdBytes: 1.5 }, /claimCheck.thresholdBytes must be a whole number ≥ 1, got 1.5/],
  ])('refuses claimCheck %j', (claimCheck, message) => {
    expect(() => synth({ claimCheck })).toThrow(message);
  });
});
