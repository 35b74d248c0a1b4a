/**
 * The signing secrets of the HTTP targets, read once at start-up: from Secrets Manager when
 * `target.signingSecret` is an ARN, else from the env var it names. A value is the secret itself, or
 * during a rotation two of them — a JSON array `["new", "old"]` or `{"current": "new", "previous": "old"}` —
 * and every request is then signed with both (shared/edge/signature.ts). No value ever reaches an error
 * message or a log line; main.ts also hands them to the logger's redaction.
 */

import type { SecretReader } from '#shared/clients/secrets-manager';
import type { BridgeSubscription } from '#shared/config/bridge-config';
import { isSecretsManagerArn } from '#shared/config/subscription';

/** Shorter secrets are refused: an HMAC key should carry at least 128 bits. */
export const MIN_SIGNING_SECRET_CHARS = 16;

/** The secrets in a stored value, or a problem (which never quotes the value). */
export function parseSigningSecretValue(
  text: string,
): { ok: true; secrets: string[] } | { ok: false; problem: string } {
  const trimmed = text.trim();
  let secrets: unknown[];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      return { ok: false, problem: 'starts like JSON but is not valid JSON' };
    }
    if (Array.isArray(json)) secrets = json;
    else {
      const { current, previous, ...rest } = json as Record<string, unknown>;
      if (Object.keys(rest).length > 0 || current === undefined)
        return { ok: false, problem: 'a JSON object must be {"current": "...", "previous": "..."}' };
      secrets = previous === undefined ? [current] : [current, previous];
    }
  } else secrets = [trimmed];
  if (secrets.length < 1 || secrets.length > 2)
    return { ok: false, problem: `holds ${secrets.length} secrets: give one, or two during a rotation` };
  if (!secrets.every((s): s is string => typeof s === 'string' && s.length >= MIN_SIGNING_SECRET_CHARS))
    return {
      ok: false,
      problem: `every secret must be a string of at least ${MIN_SIGNING_SECRET_CHARS} characters`,
    };
  return { ok: true, secrets: secrets as string[] };
}

export interface ResolveOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readSecret: SecretReader;
}

/**
 * The secrets of every subscription with an HTTP target, by subscription name. Lists every problem
 * (unset env var, unreadable secret, bad value) in `problems` instead of stopping at the first.
 */
export async function resolveSigningSecrets(
  subscriptions: readonly BridgeSubscription[],
  options: ResolveOptions,
): Promise<{ secrets: Map<string, readonly string[]>; problems: string[] }> {
  const secrets = new Map<string, readonly string[]>();
  const problems: string[] = [];
  await Promise.all(
    subscriptions.map(async (s) => {
      if (!s.target) return;
      const ref = s.target.signingSecret;
      const where = `subscriptions ${s.name}: target.signingSecret ${ref}`;
      let text: string | undefined;
      if (isSecretsManagerArn(ref)) {
        try {
          text = await options.readSecret(ref);
        } catch (error) {
          const e = error as { name?: unknown; message?: unknown };
          problems.push(
            `${where}: cannot read the secret (${typeof e?.name === 'string' ? e.name : 'Error'}: ${typeof e?.message === 'string' ? e.message : String(error)})`,
          );
          return;
        }
      } else {
        text = options.env[ref];
        if (text === undefined || text.trim() === '') {
          problems.push(`${where}: env var ${ref} is not set`);
          return;
        }
      }
      const parsed = parseSigningSecretValue(text);
      if (parsed.ok) secrets.set(s.name, parsed.secrets);
      else problems.push(`${where}: the value ${parsed.problem}`);
    }),
  );
  return { secrets, problems };
}
