/**
 * What an nsqd's IDENTIFY response says about a subscription's config. nsqd reports its real
 * `max_rdy_count` there (its --max-rdy-count, 2,500 by default); nsqjs would silently cap RDY at it, so a
 * subscription sized for more (maxInFlight, by default maxMessages × maxConcurrentInvocations) would never
 * fill its batches. Any one nsqd may end up holding the whole window (the others down), so each must allow
 * all of it.
 */
export interface IdentifyResponse {
  readonly max_rdy_count?: number;
  readonly tls_v1?: boolean;
}

/** The problem with consuming this subscription from this nsqd, or undefined when there is none. */
export function identifyProblem(
  response: IdentifyResponse | null | undefined,
  subscription: { readonly name: string; readonly maxInFlight: number },
  address: string,
): string | undefined {
  const max = response?.max_rdy_count;
  if (typeof max !== 'number' || max >= subscription.maxInFlight) return undefined;
  return `subscriptions.${subscription.name}: maxInFlight ${subscription.maxInFlight} (maxMessages × maxConcurrentInvocations unless set) exceeds nsqd ${address}'s max_rdy_count ${max}; start nsqd with --max-rdy-count=${subscription.maxInFlight} or more, or lower maxMessages, maxConcurrentInvocations or maxInFlight`;
}
