/**
 * One definition per function: the single source that infra/ (CDK), the local Lambda server and the
 * bridge read. A folder functions/<name>/ with a definition.ts default-exporting
 * `defineFunction({...})` and a handler file is all it takes to add a function.
 */
import { z } from 'zod';
import { subscriptionSettingsSchema } from '#shared/config/subscription';
import { listProblems } from '#shared/errors';
import { formatZodIssues } from '#shared/zod-issues';

export const functionNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,47}$/,
    'must be lowercase letters, digits and dashes, starting with a letter (≤ 48)',
  );

export const functionDefinitionSchema = z
  .object({
    /** Logical name; equals the folder name under functions/. */
    name: functionNameSchema,
    description: z.string().max(256).default(''),
    /** Handler file, relative to the function's folder. @default 'handler.ts' */
    entry: z.string().default('handler.ts'),
    /** Exported handler name. @default 'handler' */
    handlerExport: z.string().default('handler'),
    /** Lambda timeout, 1 to 900 s. @default 30 */
    timeoutSec: z.number().int().min(1).max(900).default(30),
    /** Lambda memory, 128 to 10,240 MB. @default 256 */
    memoryMb: z.number().int().min(128).max(10_240).default(256),
    /** Reserved concurrency; unset means the account's unreserved pool. */
    reservedConcurrency: z.number().int().min(1).max(10_000).optional(),
    /** Plain environment variables (never secrets; those come from Secrets Manager). */
    environment: z.record(z.string(), z.string()).default({}),
    /** What the function may reach. Nothing else is granted. */
    grants: z
      .object({
        /** Access to the project's data bucket (env DATA_BUCKET). @default 'none' */
        dataBucket: z.enum(['none', 'read', 'write', 'readWrite']).default('none'),
        /** Reads the Upstash URL and token secret (env UPSTASH_SECRET_ARN in AWS). @default false */
        upstash: z.boolean().default(false),
      })
      .strict()
      .default({ dataBucket: 'none', upstash: false }),
    /** The NSQ subscriptions that feed this function through the bridge. */
    subscriptions: z.array(subscriptionSettingsSchema).default([]),
  })
  .strict();

export type FunctionDefinitionInput = z.input<typeof functionDefinitionSchema>;
export type FunctionDefinition = z.output<typeof functionDefinitionSchema>;

/** Validates a definition at import time, so a bad definition fails every consumer early. */
export function defineFunction(input: FunctionDefinitionInput): FunctionDefinition {
  const parsed = functionDefinitionSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(
      listProblems(
        `invalid function definition ${JSON.stringify(input.name)}`,
        formatZodIssues(parsed.error.issues),
      ),
    );
  }
  return parsed.data;
}
