/**
 * `npm run synth`, as CI and users run it: the script, the CLI, cdk.json's app command, the functions
 * under functions/, no AWS account and no Docker. Every function folder becomes a Lambda, the bridge is
 * fed every subscription, cdk-nag passes (synth fails otherwise), and synth prints nothing but bundling
 * progress and the intended placeholder-address warning.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { placeholderAddressWarnings, readDeploySettings } from '#infra/lib/deploy-settings';
import { repoRoot } from '#infra/lib/paths';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import { functionsFor, loadFunctions } from '#shared/functions/loader';
import { bridgeConfigOf, cdkJsonContext } from './fixtures/synth.ts';

const outdir = mkdtempSync(join(tmpdir(), 'nsq-lambda-cdk-synth-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/**
 * The lines of synth's stderr that are neither bundling progress nor the block of an intended warning
 * (its source location, `WARNING <message> (...)`, then its indented construct path and how to acknowledge it).
 */
function unexpectedSynthOutput(stderr: string, intended: readonly string[]): string[] {
  const lines = stripVTControlCharacters(stderr)
    .split('\n')
    .filter((l) => l.trim() !== '');
  const isIntended = (line: string | undefined) =>
    intended.some((m) => line?.startsWith(`WARNING ${m} (`) && line.endsWith(')'));
  const unexpected: string[] = [];
  let inIntendedBlock = false;
  for (const [i, line] of lines.entries()) {
    if (isIntended(line)) {
      inIntendedBlock = true;
      continue;
    }
    if (inIntendedBlock && line.startsWith('   ')) continue;
    inIntendedBlock = false;
    if (/^Bundling asset \S+\.\.\.$/.test(line)) continue;
    if (/^\S+:\d+:\d+$/.test(line) && isIntended(lines[i + 1])) continue;
    unexpected.push(line);
  }
  return unexpected;
}

describe('unexpectedSynthOutput', () => {
  const intended = ['nsqLambda.lookupdHttpAddresses is still the placeholder ["x.invalid:4161"]'];
  const quiet = [
    'Bundling asset NsqLambda/EchoFunction/Code/Stage...',
    'infra/lib/nsq-lambda-app.ts:30:17',
    `\x1b[33mWARNING ${intended[0]} (Annotation)\x1b[39m`,
    '   NsqLambda aws-cdk-lib.Stack',
    "   Acknowledge with 'Annotation::nsq-lambda:placeholderAddress'",
    '',
  ].join('\n');

  it('passes bundling progress and the intended warning', () => {
    expect(unexpectedSynthOutput(quiet, intended)).toEqual([]);
  });

  it.each([
    // What synth printed before cdk.json carried the recommended flags and cpu-heavy fit the drain deadline.
    ["75 feature flags are not configured. Run 'cdk flags --unstable=flags' to learn more."],
    [
      'infra/lib/nsq-lambda-bridge.ts:401:30',
      'WARNING function "cpu-heavy": an invocation may take 130000 ms (...) (Construct Annotations)',
      '   NsqLambda/Bridge',
      "   Acknowledge with 'Annotation::nsq-lambda:invocationAboveDrain'",
    ],
    ['  ...0872f0611036f07c614abb31497f4591d1d2d23b68f04-building/index.mjs  2.5mb ⚠️', '⚡ Done in 316ms'],
    ['▲ [WARNING] "import.meta" is not available in the configured target environment [empty-import-meta]'],
    ['(node:4242) [DEP0040] DeprecationWarning: The `punycode` module is deprecated.'],
    ['[WARNING] aws-cdk-lib.aws_lambda.FunctionOptions#logRetention is deprecated.'],
  ])('reports anything else: %s', (...extra: string[]) => {
    expect(unexpectedSynthOutput(`${quiet}${extra.join('\n')}\n`, intended)).toEqual(extra);
  });
});

describe('npm run synth', () => {
  it('synthesizes the app from functions/ offline, with nag on and only the intended warning', {
    timeout: 240_000,
  }, async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      npm_config_update_notifier: 'false',
    };
    // Without credentials the stack stays environment-agnostic: no lookups, nothing needs AWS.
    for (const key of ['CDK_DEFAULT_ACCOUNT', 'CDK_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID'])
      delete env[key];
    const { stderr } = await promisify(execFile)(
      'npm',
      ['run', '--silent', 'synth', '--', '--output', outdir],
      { cwd: repoRoot, env, maxBuffer: 16 * 1024 * 1024 },
    );
    const intended = placeholderAddressWarnings(
      readDeploySettings(new App({ context: cdkJsonContext() }).node),
    );
    expect(intended).toEqual([
      expect.stringMatching(/^nsqLambda\.lookupdHttpAddresses is still the placeholder/),
    ]);
    expect(stripVTControlCharacters(stderr)).toContain(`WARNING ${intended[0]}`);
    expect(unexpectedSynthOutput(stderr, intended)).toEqual([]);

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
    // Edge functions (target 'edge', e.g. template-edge) deploy to their edge platform, not as Lambdas.
    const functions = functionsFor(await loadFunctions(), 'lambda');
    expect(deployed).toEqual(functions.map((f) => f.definition.name).sort());

    // The real definitions make a config the bridge accepts (every cross-field rule), with every subscription.
    const config = parseBridgeConfig(bridgeConfigOf(template.Resources));
    expect(config.subscriptions.map((s) => `${s.topic}/${s.channel}`).sort()).toEqual(
      functions.flatMap((f) => f.definition.subscriptions.map((s) => `${s.topic}/${s.channel}`)).sort(),
    );
  });
});
