/**
 * Settings of `npm run bench:soak` (one zod schema, strict): how many messages, how big, how often the
 * bridge is sampled, and where the CSV, chart and report go. Every problem is listed at once.
 */
import { z } from 'zod';

export const soakOptionsSchema = z
  .object({
    /** Messages sent through the bridge. */
    messages: z.number().int().min(1_000),
    bodyBytes: z.number().int().min(1).max(1_000_000),
    /** Seconds between samples of the bridge. */
    intervalSec: z.number().min(0.2).max(600),
    /** The run stops (and reports what it has) after this long, every message through or not. */
    maxMinutes: z
      .number()
      .min(0.05)
      .max(24 * 60),
    /** nsqd's channel is topped up to `backlog` whenever it falls below half of it (nsqd memory stays bounded). */
    backlog: z.number().int().min(1_000).max(1_000_000),
    /** Directory of soak.csv, soak.svg, soak.json and soak.md. */
    out: z.string().min(1),
    /** 'bundle': the esbuild bundle bridge/Dockerfile ships; 'source': bridge/src/main.ts through tsx. */
    bridgeFrom: z.enum(['bundle', 'source']),
  })
  .strict();

export type SoakOptions = z.output<typeof soakOptionsSchema>;

export const SOAK_DEFAULTS: SoakOptions = {
  messages: 1_000_000,
  bodyBytes: 1024,
  intervalSec: 5,
  maxMinutes: 180,
  backlog: 50_000,
  out: '.cache/bench/soak',
  bridgeFrom: 'bundle',
};

const STRING_KEYS = new Set(['out', 'bridgeFrom']);

/** Defaults, then flags (commander's camelCase keys). Throws one error listing every invalid value. */
export function resolveSoakOptions(
  flags: Readonly<Record<string, string | boolean | undefined>>,
): SoakOptions {
  const raw: Record<string, unknown> = { ...SOAK_DEFAULTS };
  for (const key of Object.keys(SOAK_DEFAULTS)) {
    const value = flags[key];
    if (value === undefined || typeof value === 'boolean') continue;
    raw[key] = STRING_KEYS.has(key) ? value : Number(value.replaceAll('_', ''));
  }
  const parsed = soakOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid soak settings:\n${problems}`);
  }
  return parsed.data;
}
