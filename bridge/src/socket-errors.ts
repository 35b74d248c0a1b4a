/**
 * What a failed request's error says about the network, for both invokers' outcome tables
 * (lambda/invoke-outcome.ts, http/http-outcome.ts): the first Node error code along the cause chain (the
 * SDK and undici wrap socket errors), and the codes that prove no request reached a server.
 */

interface ErrorLike {
  readonly code?: unknown;
  readonly cause?: unknown;
}

/** The first string `code` along the cause chain (at most 5 deep). */
export function firstErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as ErrorLike).code;
    if (typeof code === 'string') return code;
    current = (current as ErrorLike).cause;
  }
  return undefined;
}

/** Node socket error codes proving the request never left this host or never reached a server. */
export const SOCKET_NOT_CONNECTED_CODES: readonly string[] = [
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
];
