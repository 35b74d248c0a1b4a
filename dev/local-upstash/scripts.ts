/**
 * Lua script compatibility between Upstash and stock redis-server.
 *
 * @upstash/ratelimit ≥ 2.1 starts every script with `#!lua flags=allow-key-locking`, an Upstash-only
 * flag that stock Redis rejects (`ERR Unexpected flag in script shebang`). We drop that flag (keeping
 * the line, so error line numbers stay right) and remember sha1(original) → sha1(rewritten), so the
 * client's EVALSHA of the original hash still finds the script once it was loaded by EVAL or SCRIPT LOAD.
 */
import { createHash } from 'node:crypto';

/** Shebang flags only Upstash understands. */
export const UPSTASH_ONLY_SCRIPT_FLAGS: readonly string[] = ['allow-key-locking'];

export function sha1Hex(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/** Returns the script with Upstash-only shebang flags removed (unchanged when there are none). */
export function rewriteScriptFlags(script: string): string {
  if (!script.startsWith('#!')) return script;
  const lineEnd = script.indexOf('\n');
  const firstLine = lineEnd === -1 ? script : script.slice(0, lineEnd);
  const rest = lineEnd === -1 ? '' : script.slice(lineEnd);
  const match = /^#!(\S+)(.*)$/.exec(firstLine.replace(/\r$/, ''));
  if (!match) return script;
  const engine = match[1] ?? 'lua';
  const params = (match[2] ?? '').trim().split(/\s+/).filter(Boolean);
  let changed = false;
  const kept = params.map((param) => {
    if (!param.startsWith('flags=')) return param;
    const flags = param.slice('flags='.length).split(',').filter(Boolean);
    const remaining = flags.filter((f) => !UPSTASH_ONLY_SCRIPT_FLAGS.includes(f));
    if (remaining.length === flags.length) return param;
    changed = true;
    return remaining.length > 0 ? `flags=${remaining.join(',')}` : '';
  });
  if (!changed) return script;
  const shebang = [`#!${engine}`, ...kept.filter(Boolean)].join(' ');
  return `${shebang}${firstLine.endsWith('\r') ? '\r' : ''}${rest}`;
}

/** Maps the hash a client computed (of the original text) to the hash Redis knows (of the rewrite). */
export class ScriptShaMap {
  private readonly map = new Map<string, string>();

  /** Rewrites `script` and records the hash mapping when the text changed. */
  prepare(script: string): { script: string; originalSha: string; rewrittenSha: string } {
    const rewritten = rewriteScriptFlags(script);
    const originalSha = sha1Hex(script);
    const rewrittenSha = rewritten === script ? originalSha : sha1Hex(rewritten);
    if (rewrittenSha !== originalSha) this.map.set(originalSha, rewrittenSha);
    return { script: rewritten, originalSha, rewrittenSha };
  }

  /** The hash to send to Redis for a client's hash. */
  translate(sha: string): string {
    return this.map.get(sha.toLowerCase()) ?? sha;
  }

  get size(): number {
    return this.map.size;
  }
}
