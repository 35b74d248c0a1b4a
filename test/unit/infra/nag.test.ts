/** cdk-nag acknowledgement helpers: finding names as nag renders them, and reasons that say something. */
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { acknowledgeNag, nagArnRef } from '#infra/lib/nag';

describe('nagArnRef', () => {
  const stack = new Stack(new App(), 'Nag');
  it('names a resource of the stack by logical id and attribute', () => {
    const bucket = new s3.Bucket(stack, 'Data');
    expect(nagArnRef(stack, bucket.bucketArn)).toMatch(/^<Data[0-9A-F]{8}\.Arn>$/);
  });

  it('keeps a literal ARN and flattens joins with pseudo parameters', () => {
    const fn = lambda.Function.fromFunctionArn(
      stack,
      'Fn',
      'arn:aws:lambda:us-east-1:123456789012:function:f',
    );
    expect(nagArnRef(stack, fn.functionArn)).toBe('arn:aws:lambda:us-east-1:123456789012:function:f');
    const imported = s3.Bucket.fromBucketName(stack, 'Imported', 'some-bucket');
    expect(nagArnRef(stack, imported.bucketArn)).toBe('arn:<AWS::Partition>:s3:::some-bucket');
  });
});

describe('acknowledgeNag', () => {
  it('records each finding with the AwsSolutions prefix and the reason', () => {
    const stack = new Stack(new App(), 'Ack');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    acknowledgeNag(role, ['IAM5[Action::s3:Abort*]', 'L1'], 'a reason long enough to explain itself');
    const recorded = role.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .map((m) => m.data as Record<string, string>);
    expect(recorded).toEqual([
      { 'AwsSolutions::AwsSolutions-IAM5[Action::s3:Abort*]': 'a reason long enough to explain itself' },
      { 'AwsSolutions::AwsSolutions-L1': 'a reason long enough to explain itself' },
    ]);
  });

  it('fails on a reason that explains nothing', () => {
    const stack = new Stack(new App(), 'NoReason');
    expect(() => acknowledgeNag(stack, ['L1'], 'ok')).toThrow(
      'a nag acknowledgement needs a real reason, got "ok"',
    );
  });
});
