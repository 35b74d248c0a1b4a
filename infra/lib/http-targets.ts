/**
 * The bridge construct's HTTP targets: functions served by an HTTP(S) endpoint (an edge runtime) instead
 * of Lambda. Each gets a signing secret in Secrets Manager (generated unless given), which the construct
 * grants to the bridge's task role only, and becomes a bridge subscription with an HTTP target.
 */
import { Token } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { httpTargetSchema } from '#shared/config/subscription';
import type { FunctionDefinition } from '#shared/functions/definition';
import type { BridgeTarget } from './bridge-runtime-config.ts';
import { acknowledgeNag } from './nag.ts';

/**
 * A function the bridge feeds over HTTP(S) (an edge runtime: Cloudflare Workers, Deno Deploy, Vercel):
 * no Lambda exists for it. Every request is signed with a secret in Secrets Manager that only the
 * bridge's task role may read (the endpoint holds a copy: docs/edge.md).
 */
export interface NsqLambdaBridgeHttpTarget {
  /** Its subscriptions and settings (the code is deployed to the edge platform, not here). */
  readonly definition: FunctionDefinition;
  /** The endpoint: https:// */
  readonly url: string;
  /**
   * The signing secret: a plain string, or `{"current": …, "previous": …}` during a rotation.
   * @default - a new generated secret (64 characters)
   */
  readonly signingSecret?: secretsmanager.ISecret;
  /**
   * Total time for one request (then ambiguous: the batch is requeued).
   * @default - the definition's timeout + 10 s
   */
  readonly timeoutMs?: number;
  /**
   * Extra request headers (not secrets: they are in the task definition's environment).
   * @default - none
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One signing secret per target, by function name: the given one, or a new generated one (64 characters). */
export function createSigningSecrets(
  scope: Construct,
  targets: readonly NsqLambdaBridgeHttpTarget[],
): Map<string, secretsmanager.ISecret> {
  const secrets = new Map<string, secretsmanager.ISecret>();
  for (const t of targets) {
    if (t.signingSecret) {
      secrets.set(t.definition.name, t.signingSecret);
      continue;
    }
    const secret = new secretsmanager.Secret(scope, `${t.definition.name}SigningSecret`, {
      description: `nsq-lambda: signing secret of the HTTP target ${t.definition.name} (copy it to the endpoint: docs/edge.md)`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledgeNag(
      secret,
      ['SMG4'],
      'The edge endpoint holds a copy of this secret: rotation is a two-step change (write ' +
        '{"current","previous"} here, update the endpoint, then drop previous: docs/deploy.md), which ' +
        'Secrets Manager cannot perform on the edge platform.',
    );
    secrets.set(t.definition.name, secret);
  }
  return secrets;
}

/** The targets as the bridge's runtime config takes them: the secret by its ARN. */
export function httpBridgeTargets(
  targets: readonly NsqLambdaBridgeHttpTarget[],
  secrets: ReadonlyMap<string, secretsmanager.ISecret>,
): BridgeTarget[] {
  return targets.map((t) => {
    const secret = secrets.get(t.definition.name);
    if (!secret)
      throw new Error(`no signing secret for the HTTP target ${JSON.stringify(t.definition.name)}`);
    return {
      definition: t.definition,
      functionName: t.definition.name,
      http: {
        url: t.url,
        signingSecretArn: secret.secretArn,
        ...(t.timeoutMs !== undefined && { timeoutMs: t.timeoutMs }),
        ...(t.headers && { headers: t.headers }),
      },
    };
  });
}

/** The rules the bridge applies at start (https only, valid and unreserved headers), checked at synth. */
export function checkHttpTarget(t: NsqLambdaBridgeHttpTarget): void {
  if (Token.isUnresolved(t.url)) return;
  const checked = httpTargetSchema.safeParse({
    type: 'http',
    url: t.url,
    signingSecret: 'SYNTH_CHECK',
    ...(t.timeoutMs !== undefined && { timeoutMs: t.timeoutMs }),
    ...(t.headers && { headers: t.headers }),
  });
  if (!checked.success)
    throw new Error(
      `NsqLambdaBridge: httpTargets ${JSON.stringify(t.definition.name)}: ${checked.error.issues
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
}
