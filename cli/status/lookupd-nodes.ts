/**
 * Finds every nsqd through nsqlookupd's `/nodes`: their HTTP addresses (broadcast address and HTTP port),
 * so `status` sums a topic over the whole cluster. Every lookupd is asked; failures are returned, not thrown.
 */
import { errorChain } from '../errors.ts';

interface NodesBody {
  producers?: { broadcast_address?: string; hostname?: string; http_port?: number }[];
}

export async function nsqdHttpAddressesFromLookupd(
  lookupdAddresses: readonly string[],
  timeoutMs = 5_000,
): Promise<{ addresses: string[]; errors: string[] }> {
  const found = new Set<string>();
  const errors: string[] = [];
  await Promise.all(
    lookupdAddresses.map(async (address) => {
      const base = /^https?:\/\//.test(address) ? address.replace(/\/+$/, '') : `http://${address}`;
      try {
        const res = await fetch(`${base}/nodes`, {
          signal: AbortSignal.timeout(timeoutMs),
          headers: { accept: 'application/json' },
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const body = (await res.json()) as NodesBody & { data?: NodesBody };
        for (const p of body.producers ?? body.data?.producers ?? []) {
          const host = p.broadcast_address || p.hostname;
          if (host && typeof p.http_port === 'number') found.add(`${host}:${p.http_port}`);
        }
      } catch (err) {
        errors.push(`nsqlookupd ${base} is unreachable or failed (${errorChain(err)})`);
      }
    }),
  );
  return { addresses: [...found].sort(), errors };
}
