/**
 * cdk-nag acknowledgements, always with a reason and narrowed to exact findings (cdk-nag 3 finding ids:
 * `AwsSolutions-IAM5[Resource::<LogicalId.Arn>/prefix/*]`). Constructs acknowledge the findings their
 * own design causes, on the narrowest construct, so every user of the construct inherits the reasoning.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges AwsSolutions findings (`IAM5[Action::s3:Abort*]`, `L1`, ...) on one construct. */
export function acknowledgeNag(scope: IConstruct, findings: readonly string[], reason: string): void {
  if (reason.trim().length < 20)
    throw new Error(`a nag acknowledgement needs a real reason, got ${JSON.stringify(reason)}`);
  Validations.of(scope).acknowledge(
    ...findings.map((finding) => ({ id: `AwsSolutions::AwsSolutions-${finding}`, reason })),
  );
}

/**
 * How cdk-nag renders an ARN in a finding: `<LogicalId.Arn>` for a resource in the stack, the ARN itself
 * for an imported one.
 */
export function nagArnRef(scope: IConstruct, arn: string): string {
  const resolved: unknown = Stack.of(scope).resolve(arn);
  if (typeof resolved === 'string') return resolved;
  const getAtt = (resolved as { 'Fn::GetAtt'?: unknown } | null)?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt.length === 2) return `<${String(getAtt[0])}.${String(getAtt[1])}>`;
  throw new Error(`cannot name ${JSON.stringify(resolved)} the way cdk-nag does; acknowledge it by hand`);
}
