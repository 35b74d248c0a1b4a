/**
 * NsqLambdaFunction: the house defaults it locks, the bundle it builds (the shared esbuild options,
 * local esbuild, no Docker), the grants it derives from the definition, and its early errors.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NsqLambdaFunction } from '#infra/lib/nsq-lambda-function';
import { defineFunction } from '#shared/functions/definition';
import { type LoadedFunction, loadFunction } from '#shared/functions/loader';
import { fixtureFunctionsDir, SYNTH_TIMEOUT_MS } from './fixtures/synth.ts';

vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

let echo: LoadedFunction;
let outdir: string;
let stack: Stack;
let fn: NsqLambdaFunction;
let template: Template;

beforeAll(async () => {
  echo = await loadFunction('echo', fixtureFunctionsDir);
  outdir = mkdtempSync(join(tmpdir(), 'nsq-lambda-fn-'));
  stack = new Stack(new App({ outdir }), 'FunctionTest');
  fn = new NsqLambdaFunction(stack, 'EchoFunction', {
    loaded: echo,
    logRetention: logs.RetentionDays.ONE_WEEK,
  });
  template = Template.fromStack(stack);
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function withDefinition(patch: Record<string, unknown>): LoadedFunction {
  return { ...echo, definition: defineFunction({ ...echo.definition, ...patch }) };
}

describe('NsqLambdaFunction defaults', () => {
  it('locks runtime, architecture, handler and source maps', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps' }) },
    });
  });

  it('creates its log group with the given retention, and no account-wide managed policy', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('bundles with the shared esbuild options: one ESM file with a require shim, a linked source map, the AWS SDK not external', () => {
    const [fnResource] = Object.values(template.findResources('AWS::Lambda::Function'));
    const code = String((fnResource?.Properties as { Code?: { S3Key?: string } } | undefined)?.Code?.S3Key);
    const assetDir = join(outdir, `asset.${code.replace(/\.zip$/, '')}`);
    expect(existsSync(join(assetDir, 'index.mjs'))).toBe(true);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(bundle).toContain('__nsqLambdaCreateRequire');
    expect(bundle).toContain('batchItemFailures');
    expect(bundle).toMatch(/sourceMappingURL=index\.mjs\.map/);
  });

  it('exposes the definition it was built from', () => {
    expect(fn.definition.name).toBe('echo');
  });
});

describe('NsqLambdaFunction.bindResources', () => {
  it('grants write-only data bucket access for dataBucket "write"', () => {
    const s = new Stack(new App(), 'WriteOnly');
    const bucket = new s3.Bucket(s, 'Data');
    const writer = new NsqLambdaFunction(s, 'Writer', {
      loaded: withDefinition({ grants: { dataBucket: 'write' } }),
    });
    writer.bindResources({ dataBucket: bucket });
    const policies = JSON.stringify(Template.fromStack(s).findResources('AWS::IAM::Policy'));
    expect(policies).toContain('s3:PutObject');
    expect(policies).not.toContain('s3:GetObject');
    Template.fromStack(s).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DATA_BUCKET: { Ref: Match.stringLikeRegexp('^Data') } }) },
    });
  });

  it('grants nothing and sets no variable for a definition without grants', () => {
    const s = new Stack(new App(), 'NoGrants');
    const plain = new NsqLambdaFunction(s, 'Plain', { loaded: echo });
    plain.bindResources({
      dataBucket: new s3.Bucket(s, 'Data'),
      upstashSecret: new secretsmanager.Secret(s, 'Upstash'),
    });
    const policies = JSON.stringify(Template.fromStack(s).findResources('AWS::IAM::Policy'));
    expect(policies).not.toMatch(/s3:|secretsmanager:/);
  });

  it('fails when the definition grants a resource that was not provided', () => {
    const s = new Stack(new App(), 'Missing');
    const needsBucket = new NsqLambdaFunction(s, 'NeedsBucket', {
      loaded: withDefinition({ grants: { dataBucket: 'read' } }),
    });
    expect(() => needsBucket.bindResources({})).toThrow(
      'function "echo" grants dataBucket "read" but no data bucket was provided',
    );
    const needsSecret = new NsqLambdaFunction(s, 'NeedsSecret', {
      loaded: withDefinition({ grants: { upstash: true } }),
    });
    expect(() => needsSecret.bindResources({})).toThrow(
      'function "echo" grants upstash but no Upstash secret was provided',
    );
  });
});

describe('NsqLambdaFunction deployment environment', () => {
  it('merges it over the definition environment', () => {
    const s = new Stack(new App(), 'DeploymentEnv');
    new NsqLambdaFunction(s, 'Env', {
      loaded: echo,
      deploymentEnvironment: { GREETING: 'bonjour', RENDERER_URL: 'https://renderer.internal/render' },
    });
    Template.fromStack(s).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          GREETING: 'bonjour',
          RENDERER_URL: 'https://renderer.internal/render',
        }),
      },
    });
  });

  it('fails when it sets a variable the construct owns', () => {
    const s = new Stack(new App(), 'DeploymentReserved');
    expect(
      () =>
        new NsqLambdaFunction(s, 'Bad', { loaded: echo, deploymentEnvironment: { UPSTASH_SECRET_ARN: 'x' } }),
    ).toThrow('environment sets reserved key(s) ["UPSTASH_SECRET_ARN"]');
  });
});

describe('NsqLambdaFunction fails early', () => {
  it('fails when the definition sets a variable the construct owns', () => {
    const s = new Stack(new App(), 'Reserved');
    expect(
      () =>
        new NsqLambdaFunction(s, 'Bad', { loaded: withDefinition({ environment: { DATA_BUCKET: 'mine' } }) }),
    ).toThrow('function "echo": environment sets reserved key(s) ["DATA_BUCKET"]');
  });

  it('fails when the definition sets an AWS_* variable', () => {
    const s = new Stack(new App(), 'AwsReserved');
    expect(
      () =>
        new NsqLambdaFunction(s, 'Bad', {
          loaded: withDefinition({ environment: { AWS_REGION: 'eu-west-1' } }),
        }),
    ).toThrow('function "echo": environment sets ["AWS_REGION"]; Lambda reserves AWS_* names');
  });
});
