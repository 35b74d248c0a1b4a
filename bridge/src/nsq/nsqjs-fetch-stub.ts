/**
 * The bridge bundle's `node-fetch` (bridge/Dockerfile: `--alias:node-fetch=…`). nsqjs requires it only to
 * query nsqlookupd in `Reader#connect`, which the bridge never calls: it dials nsqd itself and queries the
 * lookupds with lookupd-discovery.ts. The real node-fetch would put whatwg-url and tr46's Unicode mapping
 * table into every bridge's heap for nothing (2.3 MiB of old space, which V8 lets grow about four times
 * before a full GC). nsqjs calls what `require` returns, so a call would fail with "fetch is not a function".
 */
export default function unusedFetch(): never {
  throw new Error('the bridge does not query nsqlookupd through nsqjs (see lookupd-discovery.ts)');
}
