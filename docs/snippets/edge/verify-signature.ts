// Verifying the bridge's signature without the kit: Web Crypto only (Workers, Deno, Vercel, Node ≥ 20).
const encoder = new TextEncoder();

async function hmacHex(secret: string, signed: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, signed));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** True when `header` (x-nsq-lambda-signature) signs `body` with one of `secrets`, within 5 minutes. */
export async function verifyNsqLambdaSignature(
  header: string | null,
  body: Uint8Array,
  secrets: readonly string[],
  nowSec = Math.floor(Date.now() / 1000),
): Promise<boolean> {
  const parts = (header ?? '').split(',').map((p) => p.trim().split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const given = parts.filter(([k]) => k === 'v1').map(([, v]) => v);
  if (!t || !/^\d+$/.test(t) || Math.abs(nowSec - Number(t)) > 300) return false;
  const signed = new Uint8Array([...encoder.encode(`${t}.`), ...body]);
  for (const secret of secrets) {
    const expected = await hmacHex(secret, signed);
    // Compare without an early exit.
    for (const v of given) {
      let diff = v?.length === expected.length ? 0 : 1;
      for (let i = 0; i < expected.length; i++) diff |= (v?.charCodeAt(i) ?? 0) ^ expected.charCodeAt(i);
      if (diff === 0) return true;
    }
  }
  return false;
}
