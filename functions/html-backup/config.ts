/** The html-backup function's runtime config, read from the environment once per execution environment. */
import { z } from 'zod';
import { listProblems } from '#shared/errors';
import { formatZodIssues } from '#shared/zod-issues';

export const htmlBackupConfigSchema = z
  .object({
    /** The renderer endpoint; the page URL is passed as `?url=`. */
    rendererUrl: z.url({ protocol: /^https?$/ }),
    /** The data bucket (env DATA_BUCKET, set by infra/). */
    bucket: z.string().min(3),
    /** Key prefix inside the bucket. @default 'html-backup/' */
    keyPrefix: z.string().default('html-backup/'),
    /** A custom S3 endpoint (MinIO locally). */
    s3Endpoint: z.url().optional(),
    /** Renderer requests per second per host. @default 5 */
    hostRatePerSec: z.coerce.number().int().min(1).default(5),
    /** How long a backed-up URL is skipped. @default 3_600 */
    dedupeTtlSec: z.coerce.number().int().min(1).default(3_600),
    /** Renderer timeouts. @default 2_000 / 20_000 */
    rendererConnectTimeoutMs: z.coerce.number().int().min(1).default(2_000),
    rendererTimeoutMs: z.coerce.number().int().min(1).default(20_000),
    /** Pages fetched at once within a batch. @default 8 */
    concurrency: z.coerce.number().int().min(1).max(64).default(8),
  })
  .strict();

export type HtmlBackupConfig = z.output<typeof htmlBackupConfigSchema>;

export function htmlBackupConfigFromEnv(env: Readonly<Record<string, string | undefined>>): HtmlBackupConfig {
  const input = {
    rendererUrl: env.RENDERER_URL,
    bucket: env.DATA_BUCKET,
    keyPrefix: env.HTML_BACKUP_KEY_PREFIX,
    s3Endpoint: env.S3_ENDPOINT,
    hostRatePerSec: env.HTML_BACKUP_HOST_RATE_PER_SEC,
    dedupeTtlSec: env.HTML_BACKUP_DEDUPE_TTL_SEC,
    rendererConnectTimeoutMs: env.HTML_BACKUP_RENDERER_CONNECT_TIMEOUT_MS,
    rendererTimeoutMs: env.HTML_BACKUP_RENDERER_TIMEOUT_MS,
    concurrency: env.HTML_BACKUP_CONCURRENCY,
  };
  const parsed = htmlBackupConfigSchema.safeParse(
    Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!parsed.success) {
    const names: Record<string, string> = {
      rendererUrl: 'RENDERER_URL',
      bucket: 'DATA_BUCKET',
      s3Endpoint: 'S3_ENDPOINT',
    };
    // Named by the environment variable each setting comes from.
    const issues = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      return { path: [names[key] ?? key, ...i.path.slice(1)], message: i.message };
    });
    throw new Error(listProblems('html-backup: invalid configuration', formatZodIssues(issues)));
  }
  return parsed.data;
}
