/**
 * One source of truth: a new folder under functions/ with a definition and a handler is deployed with
 * its Lambda, its subscription and its permissions, with no edit to infra/. Plus the app's own errors.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createNsqLambdaApp } from '#infra/lib/nsq-lambda-app';
import { repoRoot } from '#infra/lib/paths';
import { loadFunctions } from '#shared/functions/loader';
import {
  cdkJsonContext,
  fixtureFunctionsDir,
  SYNTH_TIMEOUT_MS,
  type SynthesizedFixture,
  synthFixtureApp,
} from './fixtures/synth.ts';

vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

// Inside the repository (gitignored .cache/) so the copied definitions resolve the #shared/* imports.
const functionsRoot = join(repoRoot, '.cache', `infra-app-test-${process.pid}`, 'functions');
let fixture: SynthesizedFixture;
let template: Template;

beforeAll(async () => {
  cpSync(fixtureFunctionsDir, functionsRoot, { recursive: true });
  mkdirSync(join(functionsRoot, 'newcomer'));
  writeFileSync(
    join(functionsRoot, 'newcomer', 'definition.ts'),
    `import { defineFunction } from '#shared/functions/definition';
export default defineFunction({ name: 'newcomer', timeoutSec: 45, subscriptions: [{ topic: 'arrivals', channel: 'newcomer' }] });
`,
  );
  writeFileSync(
    join(functionsRoot, 'newcomer', 'handler.ts'),
    'export const handler = async () => ({ batchItemFailures: [] });\n',
  );
  fixture = await synthFixtureApp({ functions: await loadFunctions(functionsRoot) });
  template = Template.fromJSON(fixture.assembly.getStackByName(fixture.stack.stackName).template);
});
afterAll(() => {
  fixture?.cleanup();
  rmSync(join(functionsRoot, '..'), { recursive: true, force: true });
});

describe('adding a function folder', () => {
  it('adds its Lambda', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 45,
      Environment: { Variables: { NSQ_LAMBDA_FUNCTION: 'newcomer', NODE_OPTIONS: '--enable-source-maps' } },
    });
  });

  it('adds its subscription to the bridge config and its invoke permission to the bridge role', () => {
    const fnId = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) =>
      id.startsWith('NewcomerFunction'),
    );
    expect(fnId).toBeDefined();
    const taskDefinitions = JSON.stringify(template.findResources('AWS::ECS::TaskDefinition'));
    expect(taskDefinitions).toContain('\\"topic\\":\\"arrivals\\",\\"channel\\":\\"newcomer\\"');
    const invoke = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('BridgeTaskDefinitionTaskRole'))
      .map((p) => JSON.stringify(p.Properties.PolicyDocument));
    expect(invoke.join()).toContain(String(fnId));
  });

  it('adds it to the alarms and the backlog scaling', () => {
    const alarms = JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toContain('Function newcomer was throttled');
    expect(alarms).toContain('{"Name":"subscription","Value":"newcomer"}');
  });
});

describe('createNsqLambdaApp', () => {
  it('fails when a VPC lookup is asked for without an account and region', async () => {
    const saved = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
    delete process.env.CDK_DEFAULT_ACCOUNT;
    delete process.env.CDK_DEFAULT_REGION;
    try {
      expect(() =>
        createNsqLambdaApp({
          functions: [],
          appProps: { context: { ...cdkJsonContext(), 'nsqLambda.vpcId': 'vpc-0123456789abcdef0' } },
        }),
      ).toThrow('nsqLambda.vpcId "vpc-0123456789abcdef0" needs an account and region');
    } finally {
      if (saved.account !== undefined) process.env.CDK_DEFAULT_ACCOUNT = saved.account;
      if (saved.region !== undefined) process.env.CDK_DEFAULT_REGION = saved.region;
    }
  });

  it('fails when the deployment environment names a function that does not exist', async () => {
    const functions = await loadFunctions(fixtureFunctionsDir);
    expect(() =>
      createNsqLambdaApp({
        functions,
        appProps: {
          context: { ...cdkJsonContext(), 'nsqLambda.functionEnvironment': '{"ecko":{"A":"b"}}' },
        },
      }),
    ).toThrow(
      'nsqLambda.functionEnvironment names unknown function(s) ["ecko"]; known: ["backup","echo","lonely"]',
    );
  });

  it('fails when there are no functions at all', () => {
    expect(() => createNsqLambdaApp({ functions: [], appProps: { context: cdkJsonContext() } })).toThrow(
      'no functions found (add functions/<name>/definition.ts)',
    );
  });
});
