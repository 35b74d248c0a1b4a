/**
 * Parses Invoke's FunctionName path parameter the way Lambda accepts it: a name (`my-function`), a name
 * with a qualifier (`my-function:live`), a partial ARN (`123456789012:function:my-function[:q]`) or a full
 * ARN (`arn:aws:lambda:us-east-1:123456789012:function:my-function[:q]`).
 */
export interface FunctionRef {
  readonly name: string;
  readonly qualifier?: string;
  readonly region?: string;
  readonly accountId?: string;
}

const namePart = /^[a-zA-Z0-9-_]{1,64}$/;
const qualifierPart = /^(\$LATEST|[a-zA-Z0-9-_]{1,128})$/;

/** Returns the reference, or a message saying why the value is not a valid FunctionName. */
export function parseFunctionName(raw: string): FunctionRef | { readonly problem: string } {
  const value = raw.trim();
  const parts = value.split(':');
  let name: string | undefined;
  let qualifier: string | undefined;
  let region: string | undefined;
  let accountId: string | undefined;
  if (parts[0] === 'arn') {
    // arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]
    if ((parts.length !== 7 && parts.length !== 8) || parts[2] !== 'lambda' || parts[5] !== 'function')
      return { problem: `not a Lambda function ARN: ${JSON.stringify(value)}` };
    [, , , region, accountId, , name, qualifier] = parts;
  } else if (parts.length >= 3 && parts[1] === 'function') {
    if (parts.length > 4) return { problem: `not a partial function ARN: ${JSON.stringify(value)}` };
    [accountId, , name, qualifier] = parts;
  } else {
    if (parts.length > 2) return { problem: `not a function name: ${JSON.stringify(value)}` };
    [name, qualifier] = parts;
  }
  if (!name || !namePart.test(name))
    return { problem: `invalid function name ${JSON.stringify(name ?? '')}` };
  if (qualifier !== undefined && !qualifierPart.test(qualifier))
    return { problem: `invalid qualifier ${JSON.stringify(qualifier)}` };
  if (accountId !== undefined && !/^\d{12}$/.test(accountId))
    return { problem: `invalid account id ${JSON.stringify(accountId)}` };
  return {
    name,
    ...(qualifier !== undefined ? { qualifier } : {}),
    ...(region ? { region } : {}),
    ...(accountId ? { accountId } : {}),
  };
}
