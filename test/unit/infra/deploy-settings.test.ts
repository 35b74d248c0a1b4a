/** Deployment settings from CDK context: cdk.json's object, `-c nsqLambda.<key>=` overrides, every problem listed. */
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DeploySettingsError } from '#infra/errors';
import {
  parseDeploySettings,
  placeholderAddressWarnings,
  readDeploySettings,
} from '#infra/lib/deploy-settings';
import { cdkJsonContext } from './fixtures/synth.ts';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof DeploySettingsError) return err.problems;
    throw err;
  }
  throw new Error('expected a DeploySettingsError');
}

describe('readDeploySettings', () => {
  it('reads cdk.json defaults', () => {
    const settings = readDeploySettings(new App({ context: cdkJsonContext() }).node);
    expect(settings).toMatchObject({
      stackName: 'NsqLambda',
      lookupdHttpAddresses: ['nsqlookupd.placeholder.invalid:4161'],
      nsqdTcpAddresses: [],
      logRetentionDays: 30,
      nag: true,
    });
  });

  it('applies command-line overrides, splitting lists and converting numbers and booleans', () => {
    const app = new App({
      context: {
        ...cdkJsonContext(),
        'nsqLambda.nsqdTcpAddresses': 'a.internal:4150, b.internal:4150',
        'nsqLambda.lookupdHttpAddresses': '',
        'nsqLambda.minTaskCount': '2',
        'nsqLambda.maxTaskCount': '8',
        'nsqLambda.nag': 'false',
      },
    });
    expect(readDeploySettings(app.node)).toMatchObject({
      nsqdTcpAddresses: ['a.internal:4150', 'b.internal:4150'],
      lookupdHttpAddresses: [],
      minTaskCount: 2,
      maxTaskCount: 8,
      nag: false,
    });
  });

  it('reads per-function deployment environment given as JSON on the command line', () => {
    const app = new App({
      context: {
        ...cdkJsonContext(),
        'nsqLambda.functionEnvironment':
          '{"html-backup":{"RENDERER_URL":"https://renderer.internal/render"}}',
      },
    });
    expect(readDeploySettings(app.node).functionEnvironment).toEqual({
      'html-backup': { RENDERER_URL: 'https://renderer.internal/render' },
    });
    const bad = new App({ context: { ...cdkJsonContext(), 'nsqLambda.functionEnvironment': '{oops' } });
    expect(() => readDeploySettings(bad.node)).toThrow(/nsqLambda\.functionEnvironment: .*\(got "\{oops"\)/);
  });

  it('reads TLS settings given as JSON, refusing unknown keys', () => {
    const app = new App({
      context: {
        ...cdkJsonContext(),
        'nsqLambda.nsqTls': '{"servername":"nsqd.internal","rejectUnauthorized":true}',
      },
    });
    expect(readDeploySettings(app.node).nsqTls).toEqual({
      servername: 'nsqd.internal',
      rejectUnauthorized: true,
    });
    const typo = new App({ context: { ...cdkJsonContext(), 'nsqLambda.nsqTls': '{"serverName":"x"}' } });
    expect(() => readDeploySettings(typo.node)).toThrow(/nsqLambda\.nsqTls: Unrecognized key.*serverName/);
  });

  it('fails on a mistyped command-line key instead of ignoring it', () => {
    const app = new App({ context: { ...cdkJsonContext(), 'nsqLambda.minTasks': '2' } });
    expect(() => readDeploySettings(app.node)).toThrow(/Unrecognized key.*minTasks/);
  });

  it('fails when nsqLambda is not an object', () => {
    expect(() => readDeploySettings(new App({ context: { nsqLambda: 'x' } }).node)).toThrow(
      'context "nsqLambda" must be an object, got "x"',
    );
  });
});

describe('parseDeploySettings', () => {
  it('lists every problem at once, with the value it got', () => {
    const problems = problemsOf(() =>
      parseDeploySettings({
        stackName: '1-bad',
        vpcId: 'my-vpc',
        upstashSecretArn: 'upstash',
        logRetentionDays: 31,
        minTaskCount: -1,
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^nsqLambda\.stackName: .*\(got "1-bad"\)$/),
        expect.stringMatching(/^nsqLambda\.vpcId: must look like vpc-0123456789abcdef0 \(got "my-vpc"\)$/),
        expect.stringMatching(
          /^nsqLambda\.upstashSecretArn: must be a Secrets Manager secret ARN \(got "upstash"\)$/,
        ),
        expect.stringMatching(
          /^nsqLambda\.logRetentionDays: must be a CloudWatch Logs retention .*\(got 31\)$/,
        ),
        expect.stringMatching(/^nsqLambda\.minTaskCount: .*\(got -1\)$/),
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('fails without any NSQ address, and on max below min', () => {
    expect(problemsOf(() => parseDeploySettings({ minTaskCount: 3, maxTaskCount: 2 }))).toEqual([
      'nsqLambda.nsqdTcpAddresses / nsqLambda.lookupdHttpAddresses: give at least one address',
      'nsqLambda.maxTaskCount: must be ≥ minTaskCount 3 (got 2)',
    ]);
  });

  it('opts in to scale to zero with minTaskCount 0, and claim checks from a JSON value', () => {
    const s = parseDeploySettings({
      lookupdHttpAddresses: 'lookupd:4161',
      minTaskCount: '0',
      idleExitAfterMs: '600000',
      wakerIntervalMinutes: '2',
      claimCheck: '{"expiryDays":2,"thresholdBytes":262144}',
    });
    expect(s).toMatchObject({
      minTaskCount: 0,
      idleExitAfterMs: 600_000,
      wakerIntervalMinutes: 2,
      claimCheck: { expiryDays: 2, thresholdBytes: 262_144 },
    });
  });

  it('lists every scale-to-zero and claim-check problem', () => {
    expect(
      problemsOf(() =>
        parseDeploySettings({
          nsqdTcpAddresses: ['nsqd:4150'],
          minTaskCount: 0,
          claimCheck: { expiryDays: 0 },
        }),
      ),
    ).toEqual([expect.stringMatching(/^nsqLambda\.claimCheck\.expiryDays: /)]);
    expect(
      problemsOf(() => parseDeploySettings({ nsqdTcpAddresses: ['nsqd:4150'], minTaskCount: 0 })),
    ).toEqual([
      expect.stringMatching(
        /^nsqLambda\.minTaskCount: 0 \(scale to zero\) needs nsqLambda\.lookupdHttpAddresses/,
      ),
    ]);
    expect(
      problemsOf(() =>
        parseDeploySettings({
          nsqdTcpAddresses: ['nsqd:4150'],
          idleExitAfterMs: 60_000,
          wakerIntervalMinutes: 5,
        }),
      ),
    ).toEqual([
      'nsqLambda.idleExitAfterMs: applies only with nsqLambda.minTaskCount 0 (scale to zero)',
      'nsqLambda.wakerIntervalMinutes: applies only with nsqLambda.minTaskCount 0 (scale to zero)',
    ]);
  });

  it('accepts secret and topic ARNs', () => {
    const s = parseDeploySettings({
      nsqdTcpAddresses: ['nsqd:4150'],
      upstashSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:upstash-Ab12Cd',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:nsq-lambda-alarms',
    });
    expect(s.upstashSecretArn).toMatch(/^arn:aws:secretsmanager:/);
    expect(s.alarmTopicArn).toMatch(/^arn:aws:sns:/);
  });
});

describe('placeholderAddressWarnings', () => {
  it("names the exact setting cdk.json's placeholder is in, and how to fill it in", () => {
    const settings = readDeploySettings(new App({ context: cdkJsonContext() }).node);
    expect(placeholderAddressWarnings(settings)).toEqual([
      'nsqLambda.lookupdHttpAddresses is still the placeholder ["nsqlookupd.placeholder.invalid:4161"], ' +
        'which never resolves: set it to your nsqlookupd HTTP addresses in cdk.json ' +
        '(context.nsqLambda.lookupdHttpAddresses) or with ' +
        '-c nsqLambda.lookupdHttpAddresses=nsqlookupd-1.internal:4161,nsqlookupd-2.internal:4161, ' +
        'or empty it (-c nsqLambda.lookupdHttpAddresses=) and set nsqLambda.nsqdTcpAddresses to connect ' +
        'to nsqd directly',
    ]);
  });

  it.each([
    [{ lookupdHttpAddresses: ['nsqlookupd.internal:4161'] }, []],
    [{ nsqdTcpAddresses: ['nsqd.internal:4150'], lookupdHttpAddresses: [] }, []],
    // .invalid only as the host's last label: a name that merely contains it is real.
    [{ nsqdTcpAddresses: ['nsqd.invalid.example.com:4150'] }, []],
    [
      { nsqdTcpAddresses: ['nsqd.internal:4150', 'nsqd.placeholder.invalid:4150'] },
      [/^nsqLambda\.nsqdTcpAddresses is still the placeholder \["nsqd\.placeholder\.invalid:4150"\],/],
    ],
    [
      { nsqdTcpAddresses: ['a.invalid:4150'], lookupdHttpAddresses: ['b.invalid:4161'] },
      [
        /^nsqLambda\.nsqdTcpAddresses .*-c nsqLambda\.nsqdTcpAddresses=nsqd-1\.internal:4150,.*nsqLambda\.lookupdHttpAddresses to discover nsqd through nsqlookupd$/,
        /^nsqLambda\.lookupdHttpAddresses .*\["b\.invalid:4161"\]/,
      ],
    ],
  ])('for %j warns %j', (input, expected) => {
    const warnings = placeholderAddressWarnings(parseDeploySettings(input));
    expect(warnings).toHaveLength(expected.length);
    expected.forEach((pattern, i) => {
      expect(warnings[i]).toMatch(pattern);
    });
  });
});
