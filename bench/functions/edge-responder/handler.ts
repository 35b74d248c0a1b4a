/**
 * What the bare Invoke responder (bench/targets.ts) does, as an edge function: drain the POSTed batch and
 * answer "every message succeeded" at once, with no signature check, no parsing and no middleware, so that
 * the row measures the bridge's HTTP invoker (signing, undici, the reply's classification) and not a
 * handler. `GET /` answers the POSTs served so far (the target's request count; one isolate holds it).
 */
const ALL_SUCCEEDED = '{"batchItemFailures":[]}';
let served = 0;

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== 'POST') return Response.json({ requests: served });
    await request.arrayBuffer();
    served += 1;
    return new Response(ALL_SUCCEEDED, { headers: { 'content-type': 'application/json' } });
  },
};
