/**
 * SigV4 for the lean Lambda invoker, from the AWS SDK's own parts:
 *
 * - `SignatureV4` (@smithy/signature-v4), the signer @aws-sdk/client-lambda uses, signing name `lambda`,
 *   payload hash in `x-amz-content-sha256`; it caches the derived signing key per day, region and
 *   credentials.
 * - Credentials: the ones given, or the SDK's default provider chain (@aws-sdk/credential-provider-node:
 *   environment, SSO, ini, process, web identity, then the ECS task role / EC2 instance role), which
 *   keeps them until 5 minutes before they expire and then fetches new ones.
 * - Clock skew correction as the SDK does it: each reply's `Date` header (when no `Age` header says it
 *   came from a cache) resets the offset between this host's clock and AWS's, which every signature uses.
 * - The endpoint: the configured one, or the one the SDK's endpoint rules give for the region (FIPS and
 *   dual-stack settings included), resolved once.
 *
 * Credentials are never logged: only the signed request leaves this module.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from '#shared/clients/aws-client-config';

function bytesOf(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** The SDK's SHA-256 (Sha256Node of @smithy/core/checksum): a hash, or an HMAC with a secret. */
class Sha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
}

export interface InvokeSigner {
  /** Signs a request; throws what the credential chain threw (CredentialsProviderError...). */
  sign(request: {
    hostname: string;
    port?: number | undefined;
    path: string;
    headers: Record<string, string>;
    body?: Uint8Array | undefined;
  }): Promise<Record<string, string>>;
  /** Samples a reply's `Date` header for clock skew correction. */
  observe(headers: IncomingHttpHeaders, requestSentAtMs: number): void;
}

export function createInvokeSigner(options: {
  readonly region: string;
  readonly credentials?: AwsCredentials | undefined;
}): InvokeSigner {
  const credentials = options.credentials
    ? { ...options.credentials }
    : defaultProvider({ parentClientConfig: { region: options.region } });
  const signer = new SignatureV4({
    credentials,
    region: options.region,
    service: 'lambda',
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: true,
  });
  let clockOffsetMs = 0;
  return {
    async sign({ hostname, port, path, headers, body }) {
      const signed = await signer.sign(
        { method: 'POST', protocol: 'https:', hostname, port, path, query: {}, headers, body },
        { signingDate: new Date(Date.now() + clockOffsetMs) },
      );
      return signed.headers;
    },
    observe(headers, requestSentAtMs) {
      const date = headers.date;
      if (date === undefined || headers.age !== undefined) return;
      const serverTimeMs = Date.parse(date);
      const now = Date.now();
      if (Number.isNaN(serverTimeMs) || now - requestSentAtMs > 900_000) return;
      clockOffsetMs = serverTimeMs - now;
    },
  };
}

/**
 * The Lambda endpoint for `region` by the SDK's endpoint rules (e.g. https://lambda.eu-west-1.amazonaws.com,
 * .amazonaws.com.cn in China, FIPS when AWS_USE_FIPS_ENDPOINT is set), or `endpoint` when configured.
 */
export async function lambdaEndpoint(region: string, endpoint?: string): Promise<URL> {
  if (endpoint !== undefined) return new URL(endpoint);
  const client = new LambdaClient({ region });
  try {
    const { url } = client.config.endpointProvider({
      Region: region,
      UseFIPS: await client.config.useFipsEndpoint(),
      UseDualStack: await client.config.useDualstackEndpoint(),
    });
    return new URL(url.href);
  } finally {
    client.destroy();
  }
}
