/**
 * The signature on every request the bridge sends to an HTTP (edge) function, in the shape of Stripe's
 * webhook signatures:
 *
 *   x-nsq-lambda-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>[,v1=<hex>...]
 *
 * One `v1` per signing secret: during a rotation the bridge signs with both the old and the new secret,
 * and a function accepts the request when any `v1` matches any of the secrets it holds. The timestamp is
 * inside the signed text, so a replay outside the tolerance window is refused.
 *
 * Web Crypto only (no node: imports): the same code runs in the bridge (Node), on workerd, Deno and Vercel.
 */

export const SIGNATURE_HEADER = 'x-nsq-lambda-signature';
/** One key per batch attempt: the same batch retried keeps its key, a bisected half gets its own. */
export const IDEMPOTENCY_KEY_HEADER = 'x-nsq-lambda-idempotency-key';
/** How far a signature's timestamp may be from the verifier's clock, either way. */
export const DEFAULT_SIGNATURE_TOLERANCE_SEC = 300;

export type SignatureFailure = 'missing' | 'malformed' | 'timestamp' | 'mismatch';

export type SignatureCheck =
  | { readonly ok: true; readonly timestampSec: number }
  | { readonly ok: false; readonly reason: SignatureFailure; readonly detail: string };

const encoder = new TextEncoder();

async function hmacHex(secret: string, timestampSec: number, body: Uint8Array | string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const prefix = encoder.encode(`${timestampSec}.`);
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  const signed = new Uint8Array(prefix.length + bytes.length);
  signed.set(prefix, 0);
  signed.set(bytes, prefix.length);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, signed));
  let hex = '';
  for (const b of mac) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** The header value for `body`, signed with every secret in `secrets` (one or two during a rotation). */
export async function signRequest(
  secrets: readonly string[],
  body: Uint8Array | string,
  timestampSec: number,
): Promise<string> {
  if (secrets.length === 0) throw new Error('signRequest: at least one signing secret is required');
  if (!Number.isInteger(timestampSec) || timestampSec < 0) {
    throw new Error(`signRequest: timestampSec must be a non-negative integer, got ${String(timestampSec)}`);
  }
  const macs = await Promise.all(secrets.map((s) => hmacHex(s, timestampSec, body)));
  return [`t=${timestampSec}`, ...macs.map((m) => `v1=${m}`)].join(',');
}

function parseHeader(header: string): { timestampSec: number; v1: string[] } | null {
  let timestampSec: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestampSec !== null) return null;
      timestampSec = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) return null;
      v1.push(value);
    }
    // Other schemes (v0, a future v2) are ignored, as Stripe's verifiers do.
  }
  if (timestampSec === null || v1.length === 0) return null;
  return { timestampSec, v1 };
}

/** Compares two equal-length hex strings without an early exit. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export interface VerifyOptions {
  /** The header's value, or null/undefined when the request had none. */
  readonly header: string | null | undefined;
  /** The raw request body, exactly as received. */
  readonly body: Uint8Array | string;
  /** The secrets this function accepts (one, or two during a rotation). */
  readonly secrets: readonly string[];
  /** The verifier's clock, in unix seconds. */
  readonly nowSec: number;
  /** Default DEFAULT_SIGNATURE_TOLERANCE_SEC (5 minutes). */
  readonly toleranceSec?: number;
}

/** Checks a request's signature: a well-formed header, a timestamp inside the window, and a matching MAC. */
export async function verifyRequest(options: VerifyOptions): Promise<SignatureCheck> {
  const { header, body, secrets, nowSec } = options;
  const toleranceSec = options.toleranceSec ?? DEFAULT_SIGNATURE_TOLERANCE_SEC;
  if (secrets.length === 0) throw new Error('verifyRequest: at least one secret is required');
  if (header === null || header === undefined || header === '') {
    return { ok: false, reason: 'missing', detail: `no ${SIGNATURE_HEADER} header` };
  }
  const parsed = parseHeader(header);
  if (parsed === null) {
    return { ok: false, reason: 'malformed', detail: `${SIGNATURE_HEADER} is not t=<seconds>,v1=<hex>` };
  }
  const skewSec = Math.abs(nowSec - parsed.timestampSec);
  if (skewSec > toleranceSec) {
    return {
      ok: false,
      reason: 'timestamp',
      detail: `timestamp is ${skewSec}s from this clock (tolerance ${toleranceSec}s)`,
    };
  }
  for (const secret of secrets) {
    const expected = await hmacHex(secret, parsed.timestampSec, body);
    if (parsed.v1.some((given) => constantTimeEqual(given, expected))) {
      return { ok: true, timestampSec: parsed.timestampSec };
    }
  }
  return { ok: false, reason: 'mismatch', detail: 'no signature matches any accepted secret' };
}
