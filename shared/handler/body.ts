/**
 * How a message body is read before the handler sees it. A body that cannot be read the declared way
 * is dead-lettered at once with the reason: retrying cannot fix a malformed message.
 */
import type { z } from 'zod';
import { decodeBody, type NsqEventMessage } from '#shared/contract/batch-event';
import { formatZodIssues } from '#shared/zod-issues';

/**
 * - `'bytes'`: the raw bytes (a Buffer);
 * - `'text'`: UTF-8 text (invalid UTF-8 is dead-lettered);
 * - `'json'`: parsed JSON, untyped;
 * - a zod schema: JSON validated by the schema (the schema's output type is the body type).
 */
export type BodySpec = 'bytes' | 'text' | 'json' | z.ZodType;

export type BodyOf<S extends BodySpec> = S extends 'bytes'
  ? Buffer
  : S extends 'text'
    ? string
    : S extends 'json'
      ? unknown
      : S extends z.ZodType
        ? z.output<S>
        : never;

export type BodyResult<T> =
  | { readonly ok: true; readonly body: T }
  | { readonly ok: false; readonly reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function formatIssues(error: z.ZodError): string {
  return formatZodIssues(error.issues.slice(0, 10)).join('; ');
}

export function readBody<S extends BodySpec>(
  message: Pick<NsqEventMessage, 'body'>,
  spec: S,
): BodyResult<BodyOf<S>> {
  return readBodyBytes(decodeBody(message), spec);
}

/** Reads body bytes the declared way (an inline body decoded, or a claim check's object). */
export function readBodyBytes<S extends BodySpec>(bytes: Buffer, spec: S): BodyResult<BodyOf<S>> {
  if (spec === 'bytes') return { ok: true, body: bytes as BodyOf<S> };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, reason: `body is not valid UTF-8 (${bytes.length} bytes)` };
  }
  if (spec === 'text') return { ok: true, body: text as BodyOf<S> };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      reason: `body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  if (spec === 'json') return { ok: true, body: json as BodyOf<S> };
  const parsed = (spec as z.ZodType).safeParse(json);
  if (!parsed.success) return { ok: false, reason: `body failed validation: ${formatIssues(parsed.error)}` };
  return { ok: true, body: parsed.data as BodyOf<S> };
}
