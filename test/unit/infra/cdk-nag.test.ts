/**
 * cdk-nag's AwsSolutions pack runs on the real app (createNsqLambdaApp adds it) with zero unacknowledged
 * findings; every acknowledgement is narrowed to an exact finding and carries a reason.
 */
import { readdirSync, rmSync } from 'node:fs';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createNsqLambdaApp } from '#infra/lib/nsq-lambda-app';
import { NsqLambdaBridge } from '#infra/lib/nsq-lambda-bridge';
import { defineFunction } from '#shared/functions/definition';
import { loadFunctions } from '#shared/functions/loader';
import {
  cdkJsonContext,
  fixtureFunctionsDir,
  NSQ_AUTH_SECRET_ARN,
  SYNTH_TIMEOUT_MS,
  type SynthesizedFixture,
  synthFixtureApp,
} from './fixtures/synth.ts';

vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

let fixture: SynthesizedFixture;

beforeAll(async () => {
  // Synthesis throws "Validation failed" on any unacknowledged AwsSolutions finding.
  fixture = await synthFixtureApp({ context: { 'nsqLambda.nsqAuthSecretArn': NSQ_AUTH_SECRET_ARN } });
});
afterAll(() => {
  fixture?.cleanup();
  if (fixture) rmSync(`${fixture.outdir}-negative`, { recursive: true, force: true });
  if (fixture) rmSync(`${fixture.outdir}-imported`, { recursive: true, force: true });
});

function acknowledgements(): Acknowledgement[] {
  return fixture.stack.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      // Recorded by Validations.acknowledge as { [qualifiedId]: reason }.
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id,
          reason,
        })),
      )
      // aws-cdk-lib acknowledges some of its own CloudFormation-Validate rules; only nag's are ours.
      .filter((a) => a.id.startsWith('AwsSolutions::')),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('synthesizes the app with the checks on and no unacknowledged finding', () => {
    expect(fixture.assembly.getStackByName(fixture.stack.stackName).template).toBeDefined();
    expect(readdirSync(fixture.outdir)).toContain('manifest.json');
  });

  it('acknowledges only narrowed findings, each with a reason, never on the stack as a whole', () => {
    const acks = acknowledgements();
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id).toMatch(/^AwsSolutions::AwsSolutions-(IAM5\[(Action|Resource)::.+\]|L1|SMG4|ECS2)$/);
      expect(ack.reason.length).toBeGreaterThanOrEqual(40);
      expect(ack.path).not.toBe(fixture.stack.node.path);
    }
    // No blanket wildcard acknowledgement except the one ECR needs, on the execution role only.
    const star = acks.filter((a) => a.id.endsWith('IAM5[Resource::*]'));
    expect(star.map((a) => a.path)).toEqual([
      expect.stringMatching(/Bridge\/TaskDefinition\/ExecutionRole$/),
    ]);
  });

  it('acknowledges the bridge invoking only its own functions, by exact ARN reference', () => {
    const bridgeRole = acknowledgements().filter((a) => a.path.endsWith('Bridge/TaskDefinition/TaskRole'));
    const ids = bridgeRole.map((a) => a.id).sort();
    expect(ids).toEqual(
      [
        'AwsSolutions::AwsSolutions-IAM5[Action::s3:Abort*]',
        expect.stringMatching(/IAM5\[Resource::<BackupFunction[0-9A-F]{8}\.Arn>:\*\]$/),
        expect.stringMatching(/IAM5\[Resource::<DeadLetterBucket[0-9A-F]{8}\.Arn>\/dead-letters\/\*\]$/),
        expect.stringMatching(/IAM5\[Resource::<EchoFunction[0-9A-F]{8}\.Arn>:\*\]$/),
      ].sort(),
    );
    expect(ids.join()).not.toContain('Lonely');
  });

  it('names imported resources the way cdk-nag does, so their acknowledgements match', () => {
    const app = new App({ outdir: `${fixture.outdir}-imported` });
    const stack = new Stack(app, 'Imported', { env: { account: '123456789012', region: 'us-east-1' } });
    const fn = lambda.Function.fromFunctionAttributes(stack, 'Fn', {
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:imported',
      sameEnvironment: true,
    });
    new NsqLambdaBridge(stack, 'Bridge', {
      targets: [
        {
          definition: defineFunction({ name: 'imported', subscriptions: [{ topic: 't', channel: 'c' }] }),
          function: fn,
        },
      ],
      nsqdTcpAddresses: ['nsqd.internal:4150'],
      deadLetterBucket: s3.Bucket.fromBucketName(stack, 'Dl', 'nsq-lambda-dead-letters'),
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/example/bridge:1'),
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // Clean under nag: the grants on imported ARNs are acknowledged under the names nag gives them.
    expect(() => app.synth()).not.toThrow();
    const ids = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.keys(m.data as Record<string, string>));
    expect(ids).toEqual(
      expect.arrayContaining([
        'AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:lambda:us-east-1:123456789012:function:imported:*]',
        'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::nsq-lambda-dead-letters/dead-letters/*]',
      ]),
    );
  });

  it('fails synthesis when a finding is not acknowledged', async () => {
    const { app, stack } = createNsqLambdaApp({
      functions: await loadFunctions(fixtureFunctionsDir),
      appProps: { context: cdkJsonContext(), outdir: `${fixture.outdir}-negative` },
    });
    new s3.Bucket(stack, 'UnloggedBucket', { enforceSSL: true });
    let message = '';
    try {
      app.synth();
    } catch (err) {
      message = String(err);
    }
    // Exactly one finding: the new bucket's; everything else stays acknowledged.
    expect(message).toMatch(/UnloggedBucket[\s\S]*AwsSolutions-S1/);
    expect(message.match(/ERROR /g)).toHaveLength(1);
  });
});
