/**
 * Discovery over nsqlookupd: asks EVERY lookupd (nsqjs asks one per poll), each with its own timeout,
 * and returns the union of the producers keyed by broadcast_address:tcp_port, plus one error per
 * lookupd that failed (surfaced, not swallowed). A 404 TOPIC_NOT_FOUND is an empty answer, not an error.
 */
export interface Producer {
  readonly host: string;
  readonly tcpPort: number;
  /** nsqd's HTTP port, when lookupd reports it (for /stats). */
  readonly httpPort?: number;
}

export interface DiscoverOptions {
  readonly lookupdHttpAddresses: readonly string[];
  readonly topic: string;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
}

interface LookupProducer {
  broadcast_address?: string;
  hostname?: string;
  tcp_port?: number;
  http_port?: number;
}

export function lookupUrl(address: string, topic: string): string {
  const base = /^https?:\/\//.test(address) ? address : `http://${address}`;
  const url = new URL(base);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/lookup';
  url.searchParams.set('topic', topic);
  return url.toString();
}

export async function discoverProducers(
  options: DiscoverOptions,
): Promise<{ producers: Producer[]; errors: Error[] }> {
  const doFetch = options.fetch ?? fetch;
  const errors: Error[] = [];
  const found = new Map<string, Producer>();
  await Promise.all(
    options.lookupdHttpAddresses.map(async (address) => {
      const url = lookupUrl(address, options.topic);
      try {
        const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
        const res = await doFetch(url, {
          signal: AbortSignal.any(signals),
          headers: { accept: 'application/json' },
        });
        if (res.status === 404) {
          await res.body?.cancel();
          return;
        }
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const body = (await res.json()) as {
          producers?: LookupProducer[];
          data?: { producers?: LookupProducer[] };
        };
        for (const p of body.producers ?? body.data?.producers ?? []) {
          const host = p.broadcast_address || p.hostname;
          if (!host || typeof p.tcp_port !== 'number') continue;
          found.set(`${host}:${p.tcp_port}`, {
            host,
            tcpPort: p.tcp_port,
            ...(typeof p.http_port === 'number' && { httpPort: p.http_port }),
          });
        }
      } catch (error) {
        if (options.signal?.aborted) return;
        errors.push(
          new Error(`nsqlookupd ${address}: lookup of topic ${options.topic} failed`, { cause: error }),
        );
      }
    }),
  );
  return { producers: [...found.values()], errors };
}
