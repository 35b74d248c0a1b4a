/**
 * Deployment settings: what differs between deployments (NSQ addresses, VPC, secrets, sizes). Read from
 * CDK context: the `nsqLambda` object in cdk.json, overridden key by key on the command line with
 * `-c nsqLambda.<key>=<value>` (lists comma-separated). One strict schema; every problem is reported.
 */
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';

const secretArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
    'must be a Secrets Manager secret ARN',
  );

const retentionDays = new Set(
  Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number'),
);

export const deploySettingsSchema = z
  .object({
    /** CloudFormation stack name. @default 'NsqLambda' */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'must be letters, digits and dashes, starting with a letter')
      .default('NsqLambda'),
    /** nsqd TCP addresses (host:port) the bridge connects to directly. */
    nsqdTcpAddresses: z.array(z.string()).default([]),
    /** nsqlookupd HTTP addresses (host:port) the bridge discovers nsqd through. */
    lookupdHttpAddresses: z.array(z.string()).default([]),
    /** Run in this existing VPC (needs account and region, looked up once and cached in cdk.context.json). */
    vpcId: z
      .string()
      .regex(/^vpc-[0-9a-f]{8,17}$/, 'must look like vpc-0123456789abcdef0')
      .optional(),
    /** Upstash REST secret (JSON keys url, token). @default - created by the stack when a function needs it */
    upstashSecretArn: secretArn.optional(),
    /** NSQ auth secret (plain string). @default - no NSQ auth */
    nsqAuthSecretArn: secretArn.optional(),
    /** SNS topic alarms notify. @default - no alarm actions */
    alarmTopicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, 'must be an SNS topic ARN')
      .optional(),
    /** Fewest bridge tasks; 0 opts in to scale to zero (docs/deploy.md, "Scale to zero"). @default 1 */
    minTaskCount: z.number().int().min(0).optional(),
    maxTaskCount: z.number().int().min(1).optional(),
    drainDeadlineMs: z.number().int().optional(),
    scaleOutBacklogMessages: z.number().int().min(1).optional(),
    /** With minTaskCount 0: idle time before the bridge scales its service to 0 and exits. @default 900000 */
    idleExitAfterMs: z.number().int().min(15_000).optional(),
    /** With minTaskCount 0: how often the waker checks the topics, in minutes. @default 1 */
    wakerIntervalMinutes: z.number().int().min(1).max(60).optional(),
    /**
     * Claim checks (docs/bridge.md): `{ "expiryDays"?: 1, "thresholdBytes"?: 262144 }`; bodies too large
     * for an Invoke (or over thresholdBytes) go to the dead-letter bucket under claim-checks/.
     * @default - off
     */
    claimCheck: z
      .object({
        expiryDays: z.number().int().min(1).optional(),
        thresholdBytes: z.number().int().min(1).optional(),
      })
      .strict()
      .optional(),
    /** Log retention of the bridge, the functions and flow logs, in days (a CloudWatch Logs value). @default 30 */
    logRetentionDays: z
      .number()
      .int()
      .refine(
        (d) => retentionDays.has(d),
        'must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, ...)',
      )
      .default(30),
    /** TLS to nsqd: `{ "caPem"?: "-----BEGIN CERTIFICATE-----...", "servername"?: "...", "rejectUnauthorized"?: true }`. @default - plaintext */
    nsqTls: z
      .object({
        caPem: z.string().optional(),
        servername: z.string().min(1).optional(),
        rejectUnauthorized: z.boolean().optional(),
      })
      .strict()
      .optional(),
    /**
     * Plain (non-secret) environment per function for this deployment, by function name, merged over
     * the definition's, e.g. `{ "html-backup": { "RENDERER_URL": "https://renderer.internal/render" } }`.
     */
    functionEnvironment: z.record(z.string(), z.record(z.string(), z.string())).default({}),
    /** Run cdk-nag's AwsSolutions checks on synth. @default true */
    nag: z.boolean().default(true),
  })
  .strict();

export type DeploySettingsInput = z.input<typeof deploySettingsSchema>;
export type DeploySettings = z.output<typeof deploySettingsSchema>;

const LIST_KEYS = new Set(['nsqdTcpAddresses', 'lookupdHttpAddresses']);
const NUMBER_KEYS = new Set([
  'minTaskCount',
  'maxTaskCount',
  'drainDeadlineMs',
  'scaleOutBacklogMessages',
  'idleExitAfterMs',
  'wakerIntervalMinutes',
  'logRetentionDays',
]);
const BOOLEAN_KEYS = new Set(['nag']);
const JSON_KEYS = new Set(['functionEnvironment', 'nsqTls', 'claimCheck']);

/** Command-line context values arrive as strings; turn them into what the schema expects. */
function coerce(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (LIST_KEYS.has(key)) {
    return value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }
  if (NUMBER_KEYS.has(key) && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (BOOLEAN_KEYS.has(key) && (value === 'true' || value === 'false')) return value === 'true';
  if (JSON_KEYS.has(key)) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value; // the schema reports it, with the value
    }
  }
  return value;
}

export class DeploySettingsError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(message);
    this.name = 'DeploySettingsError';
  }
}

/** Parses settings from plain input; throws a DeploySettingsError listing every problem. */
export function parseDeploySettings(input: Record<string, unknown>): DeploySettings {
  const coerced = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, coerce(k, v)]));
  const parsed = deploySettingsSchema.safeParse(coerced);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => {
        const path = i.path.join('.') || '(root)';
        const value = i.path.length > 0 ? (coerced as Record<string, unknown>)[String(i.path[0])] : undefined;
        return `nsqLambda.${path}: ${i.message}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`;
      });
  if (parsed.success) {
    const s = parsed.data;
    if (s.nsqdTcpAddresses.length === 0 && s.lookupdHttpAddresses.length === 0) {
      problems.push('nsqLambda.nsqdTcpAddresses / nsqLambda.lookupdHttpAddresses: give at least one address');
    }
    if (s.minTaskCount !== undefined && s.maxTaskCount !== undefined && s.maxTaskCount < s.minTaskCount) {
      problems.push(
        `nsqLambda.maxTaskCount: must be ≥ minTaskCount ${s.minTaskCount} (got ${s.maxTaskCount})`,
      );
    }
    if (s.minTaskCount === 0 && s.lookupdHttpAddresses.length === 0) {
      problems.push(
        'nsqLambda.minTaskCount: 0 (scale to zero) needs nsqLambda.lookupdHttpAddresses: the waker finds nsqd through nsqlookupd',
      );
    }
    for (const key of ['idleExitAfterMs', 'wakerIntervalMinutes'] as const) {
      if (s[key] !== undefined && s.minTaskCount !== 0)
        problems.push(`nsqLambda.${key}: applies only with nsqLambda.minTaskCount 0 (scale to zero)`);
    }
    if (problems.length === 0) return s;
  }
  throw new DeploySettingsError(
    `invalid deploy settings (cdk.json context "nsqLambda" or -c nsqLambda.<key>=...):\n${problems
      .map((p) => `  - ${p}`)
      .join('\n')}`,
    problems,
  );
}

/** The two NSQ address settings: what each holds, an example value, and the other one. */
const ADDRESS_SETTINGS = [
  {
    key: 'nsqdTcpAddresses',
    what: 'nsqd TCP addresses',
    example: 'nsqd-1.internal:4150,nsqd-2.internal:4150',
    other: 'lookupdHttpAddresses',
    otherUse: 'to discover nsqd through nsqlookupd',
  },
  {
    key: 'lookupdHttpAddresses',
    what: 'nsqlookupd HTTP addresses',
    example: 'nsqlookupd-1.internal:4161,nsqlookupd-2.internal:4161',
    other: 'nsqdTcpAddresses',
    otherUse: 'to connect to nsqd directly',
  },
] as const;

/**
 * One warning per address setting that still holds a placeholder (a host under `.invalid`, the name
 * reserved never to resolve, as cdk.json ships), naming the exact setting and how to fill it in.
 */
export function placeholderAddressWarnings(settings: DeploySettings): string[] {
  return ADDRESS_SETTINGS.flatMap(({ key, what, example, other, otherUse }) => {
    const placeholders = settings[key].filter((a) => /\.invalid:\d+$/.test(a));
    if (placeholders.length === 0) return [];
    return [
      `nsqLambda.${key} is still the placeholder ${JSON.stringify(placeholders)}, which never resolves: ` +
        `set it to your ${what} in cdk.json (context.nsqLambda.${key}) or with ` +
        `-c nsqLambda.${key}=${example}, or empty it (-c nsqLambda.${key}=) and set nsqLambda.${other} ${otherUse}`,
    ];
  });
}

/** Reads `nsqLambda` from context, applying `nsqLambda.<key>` overrides. */
export function readDeploySettings(node: Node): DeploySettings {
  const base: unknown = node.tryGetContext('nsqLambda') ?? {};
  if (typeof base !== 'object' || base === null || Array.isArray(base)) {
    throw new DeploySettingsError(`context "nsqLambda" must be an object, got ${JSON.stringify(base)}`, [
      'nsqLambda: must be an object',
    ]);
  }
  const input: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  // Every `nsqLambda.<key>` is taken, known or not, so a mistyped key is reported instead of ignored.
  for (const [key, value] of Object.entries(node.getAllContext() as Record<string, unknown>)) {
    if (key.startsWith('nsqLambda.') && value !== undefined) input[key.slice('nsqLambda.'.length)] = value;
  }
  return parseDeploySettings(input);
}
