/**
 * `cdk synth`, as CI and users run it: the CLI, cdk.json's app command, the functions under functions/,
 * no AWS account and no Docker. Every function folder becomes a Lambda, the bridge is fed every
 * subscription, and cdk-nag passes (synth fails otherwise).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '#infra/lib/paths';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import { loadFunctions } from '#shared/functions/loader';
import { bridgeConfigOf } from './fixtures/synth.ts';

const outdir = mkdtempSync(join(tmpdir(), 'nsq-lambda-cdk-synth-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('cdk synth', () => {
  it('synthesizes the app from functions/ offline, with nag on', { timeout: 240_000 }, async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    };
    // Without credentials the stack stays environment-agnostic: no lookups, nothing needs AWS.
    for (const key of ['CDK_DEFAULT_ACCOUNT', 'CDK_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID'])
      delete env[key];
    const { stderr } = await promisify(execFile)(
      join(repoRoot, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--no-notices', '--output', outdir],
      { cwd: repoRoot, env, maxBuffer: 16 * 1024 * 1024 },
    );
    expect(stderr).not.toMatch(/AwsSolutions-/);

    const template = JSON.parse(readFileSync(join(outdir, 'NsqLambda.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const deployed = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map(
        (r) =>
          (r.Properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables
            ?.NSQ_LAMBDA_FUNCTION,
      )
      .filter((name) => name !== undefined)
      .sort();
    const functions = await loadFunctions();
    expect(deployed).toEqual(functions.map((f) => f.definition.name).sort());

    // The real definitions make a config the bridge accepts (every cross-field rule), with every subscription.
    const config = parseBridgeConfig(bridgeConfigOf(template.Resources));
    expect(config.subscriptions.map((s) => `${s.topic}/${s.channel}`).sort()).toEqual(
      functions.flatMap((f) => f.definition.subscriptions.map((s) => `${s.topic}/${s.channel}`)).sort(),
    );
  });
});
