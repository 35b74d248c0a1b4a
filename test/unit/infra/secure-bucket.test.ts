/** secureBucket: the only way the app makes buckets. */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { secureBucket } from '#infra/lib/secure-bucket';

describe('secureBucket', () => {
  it('is encrypted, private, TLS 1.2+ only, owner-enforced, retained, and aborts stale uploads', () => {
    const stack = new Stack(new App(), 'Buckets');
    secureBucket(stack, 'Plain');
    const template = Template.fromStack(stack);
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'abort-incomplete-uploads',
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
              Status: 'Enabled',
            },
          ],
        },
        LoggingConfiguration: Match.absent(),
      }),
    });
    const policy = JSON.stringify(template.findResources('AWS::S3::BucketPolicy'));
    expect(policy).toContain('"aws:SecureTransport":"false"');
    expect(policy).toContain('"s3:TlsVersion":1.2');
  });

  it('adds access logs under its own prefix and the given lifecycle rules', () => {
    const stack = new Stack(new App(), 'Logged');
    const logs = new s3.Bucket(stack, 'Logs');
    secureBucket(stack, 'Data', {
      serverAccessLogsBucket: logs,
      lifecycleRules: [{ id: 'expire', prefix: 'tmp/', expiration: Duration.days(3) }],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.stringLikeRegexp('^Logs') },
        LogFilePrefix: 'Data/',
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Id: 'expire', Prefix: 'tmp/', ExpirationInDays: 3 })]),
      },
    });
  });
});
