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
 * How cdk-nag names an ARN in a finding: intrinsics flattened to text, `Ref` as `<Name>`, `Fn::GetAtt`
 * as `<LogicalId.Attr>`, `Fn::Join` joined; a literal ARN (an imported resource) stays as it is.
 */
export function nagArnRef(scope: IConstruct, arn: string): string {
  return flatten(Stack.of(scope).resolve(arn));
}

function flatten(node: unknown): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const n = node as Record<string, unknown>;
    const join = n['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return (join[1] as unknown[]).map(flatten).join(join[0]);
    }
    const getAtt = n['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt.length === 2) return `<${flatten(getAtt[0])}.${flatten(getAtt[1])}>`;
    if ('Ref' in n) return `<${flatten(n.Ref)}>`;
    if ('Fn::Sub' in n) return flatten(n['Fn::Sub']);
  }
  throw new Error(`cannot name ${JSON.stringify(node)} the way cdk-nag does; acknowledge it by hand`);
}
