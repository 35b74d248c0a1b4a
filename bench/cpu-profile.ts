/**
 * Summarises a V8 `.cpuprofile` (written by `node --cpu-prof`): self time per function and per
 * module group (a package in node_modules, a project folder, Node internals), so the benchmark report
 * can say what stands in the bridge's way without opening a profiler UI.
 */

export interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber?: number;
  };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  /** Microseconds between consecutive samples. */
  readonly timeDeltas?: readonly number[];
}

/** Rewrites a frame's location, e.g. from a bundle to the original source through its source map. */
export type FrameMapper = (frame: CpuProfileNode['callFrame']) => CpuProfileNode['callFrame'];

export interface SelfTimeEntry {
  /** `functionName (location)` or a V8 pseudo-frame such as `(garbage collector)`. */
  readonly name: string;
  /** The group the frame belongs to, see `groupOf`. */
  readonly group: string;
  readonly selfMs: number;
  /** Share of the sampled time, 0 to 1. */
  readonly share: number;
}

export interface ProfileSummary {
  /** Sampled time covered by the profile. */
  readonly totalMs: number;
  /** Time the thread was idle (waiting on I/O). */
  readonly idleMs: number;
  readonly topFunctions: readonly SelfTimeEntry[];
  readonly topGroups: readonly Omit<SelfTimeEntry, 'group'>[];
}

const PSEUDO_FRAMES = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/**
 * The group a script URL belongs to: `nsqjs`, `@aws-sdk/client-lambda`, `@smithy/...` for packages,
 * `bridge/src/lambda` style for project files, `node:<module>` for Node's own JavaScript, and the
 * pseudo-frame itself for V8 pseudo-frames.
 */
export function groupOf(url: string, functionName = ''): string {
  if (url === '' && PSEUDO_FRAMES.has(functionName)) return functionName;
  if (url === '') return '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) {
    const name = url.slice('node:'.length).replace(/^internal\//, '');
    return `node:${name.split('/')[0] ?? name}`;
  }
  const path = url.replace(/^file:\/\//, '');
  for (const root of ['bridge/src/', 'shared/', 'bench/', 'dev/']) {
    const at = path.lastIndexOf(`/${root}`);
    if (at >= 0) {
      const parts = path.slice(at + 1).split('/');
      // bridge/src/lambda/x.ts → bridge/src/lambda; bridge/src/x.ts → bridge/src
      const depth = root === 'bridge/src/' ? 3 : 2;
      return parts.length > depth ? parts.slice(0, depth).join('/') : parts.slice(0, -1).join('/');
    }
  }
  return path.split('/').slice(-1)[0] ?? path;
}

function frameName(node: CpuProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (url === '') return functionName || '(anonymous)';
  const path = url.replace(/^file:\/\//, '');
  let short = path;
  if (path.includes('/node_modules/'))
    short = path
      .replace(/^.*\/node_modules\//, '')
      .split('/')
      .slice(-3)
      .join('/');
  else if (!path.startsWith('node:')) {
    const project = /\/((?:bridge|shared|bench|dev|functions|test)\/.*)$/.exec(path);
    short = project?.[1] ?? path.split('/').slice(-2).join('/');
  }
  return `${functionName || '(anonymous)'} (${short}:${lineNumber + 1})`;
}

/**
 * Self time per function and per group, largest first; idle time is reported apart and left out of
 * shares. `fromMs` leaves out the samples of the first milliseconds of the profile (start-up: module
 * loading and compilation, before the measured work began).
 */
export function summarizeCpuProfile(
  profile: CpuProfile,
  top = 15,
  fromMs = 0,
  mapFrame: FrameMapper = (f) => f,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, { ...n, callFrame: mapFrame(n.callFrame) }]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    // timeDeltas[i] is the gap between samples i-1 and i: sample i lasts until the next one; the last
    // sample lasts until the profile's end.
    const lastAt = profile.startTime + deltas.reduce((a, b) => a + b, 0);
    const from = profile.startTime + fromMs * 1000;
    let at = profile.startTime;
    samples.forEach((id, i) => {
      at += deltas[i] ?? 0;
      if (at < from) return;
      const us = deltas[i + 1] ?? profile.endTime - lastAt;
      selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, us));
    });
  } else {
    const total = profile.endTime - profile.startTime;
    const hits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
    for (const node of profile.nodes)
      if (node.hitCount) selfUs.set(node.id, (node.hitCount / Math.max(hits, 1)) * total);
  }
  let idleUs = 0;
  let busyUs = 0;
  const fn = new Map<string, { group: string; us: number }>();
  const groups = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    if (node.callFrame.functionName === '(idle)' && node.callFrame.url === '') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const name = frameName(node);
    const group = groupOf(node.callFrame.url, node.callFrame.functionName);
    const entry = fn.get(name) ?? { group, us: 0 };
    entry.us += us;
    fn.set(name, entry);
    groups.set(group, (groups.get(group) ?? 0) + us);
  }
  const share = (us: number) => (busyUs > 0 ? us / busyUs : 0);
  return {
    totalMs: (idleUs + busyUs) / 1000,
    idleMs: idleUs / 1000,
    topFunctions: [...fn.entries()]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([name, e]) => ({ name, group: e.group, selfMs: e.us / 1000, share: share(e.us) })),
    topGroups: [...groups.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: share(us) })),
  };
}
