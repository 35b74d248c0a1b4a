/**
 * The bridge container's runtime config (env NSQ_LAMBDA_CONFIG, JSON), built by the bridge's own
 * `bridgeConfigFromDefinitions` from the same function definitions the local stack reads. Values may be
 * CloudFormation tokens (function ARNs, the bucket name, the region); the stack serialises them with
 * `Stack.toJsonString`. test/unit/infra checks the synthesized JSON against the bridge's schema.
 */
import { type BridgeConfigInput, bridgeConfigFromDefinitions } from '#shared/config/bridge-config';
import type { FunctionDefinition } from '#shared/functions/definition';

/** One function the bridge feeds, with the name or ARN it invokes (a CloudFormation token in a stack). */
export interface BridgeTarget {
  readonly definition: FunctionDefinition;
  /** The Lambda function; for an HTTP target, the name used in toggles and dead letters. */
  readonly functionName: string;
  /** Set when the function runs behind an HTTP(S) endpoint instead of Lambda. */
  readonly http?: BridgeHttpTarget;
}

/** An HTTP(S) function endpoint (an edge runtime) and the Secrets Manager secret it verifies signatures with. */
export interface BridgeHttpTarget {
  readonly url: string;
  /** The signing secret's full ARN (a token in a stack); the bridge reads it at start with its task role. */
  readonly signingSecretArn: string;
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface BridgeRuntimeConfigInput {
  readonly targets: readonly BridgeTarget[];
  readonly nsqdTcpAddresses: readonly string[];
  readonly lookupdHttpAddresses: readonly string[];
  /** The Lambda API region (the stack's region token in AWS). */
  readonly region: string;
  readonly deadLetterBucket: string;
  readonly deadLetterPrefix: string;
  readonly httpPort: number;
  readonly drainDeadlineMs: number;
  /** The most bridge tasks that can run (the service's maxTaskCount): each enforces its share of a rateLimit. @default 1 */
  readonly rateLimitTaskCount?: number;
  /** TLS to nsqd. @default - plaintext */
  readonly tls?: BridgeTls;
  /** Claim checks in the dead-letter bucket under `prefix`. @default - off */
  readonly claimCheck?: { readonly prefix: string; readonly thresholdBytes?: number };
  /** Idle exit (scale to zero): after `afterMs` idle, desired count 0 on this service, then exit. @default - off */
  readonly idleExit?: { readonly afterMs: number; readonly cluster: string; readonly service: string };
}

/** TLS to nsqd: the bridge asks nsqd for TLS and refuses a connection that does not get it. */
export interface BridgeTls {
  /** A CA bundle (PEM, not a secret) to verify nsqd against. @default - the system CAs */
  readonly caPem?: string;
  /** The name checked against nsqd's certificate (and sent as SNI). @default - the nsqd host */
  readonly servername?: string;
  /** @default true */
  readonly rejectUnauthorized?: boolean;
}

export function bridgeRuntimeConfig(input: BridgeRuntimeConfigInput): BridgeConfigInput {
  const names = new Map(input.targets.map((t) => [t.definition.name, t.functionName]));
  const http = new Map(input.targets.flatMap((t) => (t.http ? [[t.definition.name, t.http] as const] : [])));
  const config = bridgeConfigFromDefinitions(
    input.targets.map((t) => t.definition),
    {
      nsqdTcpAddresses: [...input.nsqdTcpAddresses],
      lookupdHttpAddresses: [...input.lookupdHttpAddresses],
      lambda: { region: input.region },
      deadLetter: { kind: 's3', bucket: input.deadLetterBucket, prefix: input.deadLetterPrefix },
      // 0.0.0.0 inside the task so the ECS health check reaches it; the security group has no inbound rule.
      http: { host: '0.0.0.0', port: input.httpPort },
      drain: { deadlineMs: input.drainDeadlineMs },
      ...(input.rateLimitTaskCount !== undefined && { rateLimitTaskCount: input.rateLimitTaskCount }),
      ...(input.claimCheck && {
        claimCheck: {
          bucket: input.deadLetterBucket,
          prefix: input.claimCheck.prefix,
          ...(input.claimCheck.thresholdBytes !== undefined && {
            thresholdBytes: input.claimCheck.thresholdBytes,
          }),
        },
      }),
      ...(input.idleExit && {
        idleExit: {
          afterMs: input.idleExit.afterMs,
          ecsService: { cluster: input.idleExit.cluster, service: input.idleExit.service },
        },
      }),
      ...(input.tls && {
        tls: {
          enabled: true,
          rejectUnauthorized: input.tls.rejectUnauthorized ?? true,
          ...(input.tls.caPem !== undefined && { ca: input.tls.caPem }),
          ...(input.tls.servername !== undefined && { servername: input.tls.servername }),
        },
      }),
    },
    (definition) => {
      const name = names.get(definition.name);
      if (name === undefined) throw new Error(`no deployed function for ${JSON.stringify(definition.name)}`);
      return name;
    },
  );
  if (http.size === 0) return config;
  return {
    ...config,
    subscriptions: config.subscriptions.map((s) => {
      const target = s.toggleName === undefined ? undefined : http.get(s.toggleName);
      if (!target) return s;
      return {
        ...s,
        target: {
          type: 'http' as const,
          url: target.url,
          signingSecret: target.signingSecretArn,
          ...(target.timeoutMs !== undefined && { timeoutMs: target.timeoutMs }),
          ...(target.headers && { headers: { ...target.headers } }),
        },
      };
    }),
  };
}
