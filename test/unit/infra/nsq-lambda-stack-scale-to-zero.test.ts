/**
 * The real app (cdk-nag included: synthesis fails on an unacknowledged finding) with scale to zero and
 * claim checks on: the waker is there, every fed function may read the claim checks, and the stack's
 * dead-letter bucket expires them after the configured days.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SYNTH_TIMEOUT_MS, type SynthesizedFixture, synthFixtureApp } from './fixtures/synth.ts';

vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

let fixture: SynthesizedFixture;
let template: Template;

beforeAll(async () => {
  fixture = await synthFixtureApp({
    context: {
      'nsqLambda.lookupdHttpAddresses': 'lookupd-1.internal:4161',
      'nsqLambda.minTaskCount': '0',
      'nsqLambda.claimCheck': '{"expiryDays":2}',
    },
  });
  template = Template.fromStack(fixture.stack);
});
afterAll(() => fixture?.cleanup());

describe('the stack with minTaskCount 0 and claim checks', () => {
  it('synthesizes with no unacknowledged cdk-nag finding, with the waker', () => {
    expect(fixture.stack.bridge.waker).toBeDefined();
    template.resourceCountIs('AWS::Events::Rule', 1);
  });

  it('expires claim checks after the configured days in the dead-letter bucket', () => {
    const buckets = JSON.stringify(template.findResources('AWS::S3::Bucket'));
    expect(buckets).toContain('"Id":"expire-claim-checks","Prefix":"claim-checks/","Status":"Enabled"');
    expect(buckets).toMatch(/"ExpirationInDays":2,"Id":"expire-claim-checks"/);
  });

  it('lets every fed function get (only get) the claim checks', () => {
    const fed = [...fixture.stack.functions.values()].filter((f) => f.definition.subscriptions.length > 0);
    expect(fed.length).toBeGreaterThan(0);
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    for (const fn of fed) {
      const roleId = fixture.stack.getLogicalId(fn.role?.node.defaultChild as never);
      const statements = policies
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
        .flatMap(
          (p) => p.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>,
        )
        .filter((s) => JSON.stringify(s.Resource).includes('claim-checks/'));
      expect(statements.map((s) => s.Action)).toEqual(['s3:GetObject']);
    }
  });
});
