/**
 * The start-up check of the nsqjs internals the bridge relies on (nsqjs-internals.ts). nsqjs is pinned
 * exactly, but an upgrade (or a hoisted copy of another version) that renames one of them would
 * otherwise break the bridge silently: no TLS guard, a message timer per message, answers that never
 * reach the socket. Each member is looked up on the module, or on a probe instance that never connects.
 */
import { EventEmitter } from 'node:events';
import { NsqjsInternalsError } from '../errors.ts';

/** What the check needs of nsqjs: its version and its four classes (a fake in unit tests). */
export interface NsqjsModule {
  readonly version: string;
  readonly Message: unknown;
  readonly Reader: unknown;
  readonly NSQDConnection: unknown;
  /** lib/readerrdy.js: a connection's RDY state machine. */
  readonly ConnectionRdy: unknown;
}

type Kind = 'function' | 'number' | 'string' | 'defined';

/** A member, as `Class.static`, `Class.prototype.method` or `Class#instance.path`, and its kind. */
type Member = readonly [path: string, kind: Kind];

/** Every nsqjs internal nsqjs-internals.ts and nsq-source.ts use. */
export const NSQJS_MEMBERS: readonly Member[] = [
  ['Message.FINISH', 'number'],
  ['Message.REQUEUE', 'number'],
  ['Message.TOUCH', 'number'],
  ['Message.prototype.respond', 'function'],
  ['Message.prototype.requeue', 'function'],
  ['Message.prototype.touch', 'function'],
  ['Message.prototype.timeUntilTimeout', 'function'],
  ['Message.prototype.trackTimeout', 'function'],
  ['Message#rawMessage', 'defined'],
  ['Message#maxMsgTimeout', 'number'],
  ['Message#requeueDelay', 'number'],
  ['Message#hasResponded', 'defined'],
  ['Message#lastTouched', 'number'],
  ['NSQDConnection.FINISHED', 'string'],
  ['NSQDConnection.REQUEUED', 'string'],
  ['NSQDConnection.BACKOFF', 'string'],
  ['NSQDConnection.prototype.id', 'function'],
  ['NSQDConnection.prototype.write', 'function'],
  ['NSQDConnection.prototype.createMessage', 'function'],
  ['NSQDConnection.prototype.startTLS', 'function'],
  ['NSQDConnection.prototype.registerStreamListeners', 'function'],
  ['NSQDConnection#nsqdHost', 'string'],
  ['NSQDConnection#msgTimeout', 'number'],
  ['NSQDConnection#maxMsgTimeout', 'number'],
  ['NSQDConnection#config.requeueDelay', 'number'],
  ['NSQDConnection#config.tlsVerification', 'defined'],
  ['NSQDConnection#statemachine.goto', 'function'],
  ['NSQDConnection#statemachine.states.IDENTIFY_COMPRESSION_CHECK.Enter', 'function'],
  ['Reader.prototype.registerConnectionListeners', 'function'],
  ['Reader.prototype.connectToNSQD', 'function'],
  ['Reader#readerRdy.goto', 'function'],
  ['Reader#readerRdy.current_state_name', 'string'],
  ['Reader#readerRdy.states.TRY_ONE', 'defined'],
  ['Reader#readerRdy.states.MAX', 'defined'],
  ['Reader#readerRdy.createConnectionRdy', 'function'],
  ['ConnectionRdy#conn', 'defined'],
  ['ConnectionRdy#statemachine.states.MAX.bump', 'function'],
];

type ClassName = 'Message' | 'Reader' | 'NSQDConnection' | 'ConnectionRdy';
type Ctor = new (...args: unknown[]) => object;

/** Instances that never connect: the arguments each class's constructor takes in nsqjs 0.13. */
const PROBE_ARGS: Record<ClassName, readonly unknown[]> = {
  Message: [Buffer.alloc(26), 90_000, 60_000, 900_000],
  Reader: ['probe', 'probe', { nsqdTCPAddresses: ['127.0.0.1:4150'] }],
  NSQDConnection: ['127.0.0.1', 4150, 'probe', 'probe', {}],
  // A connection as ConnectionRdy reads it: events, id(), topic and channel.
  ConnectionRdy: [
    Object.assign(new EventEmitter(), { id: () => '127.0.0.1:4150', topic: 'probe', channel: 'probe' }),
  ],
};

function probe(module: NsqjsModule, name: ClassName): { instance?: unknown; error?: string } {
  const ctor = module[name];
  if (typeof ctor !== 'function') return { error: `${name} is not a class` };
  try {
    // Message: without its per-message timer (our subclass drops it too).
    const Probe =
      name === 'Message'
        ? class extends (ctor as Ctor) {
            trackTimeout(): void {}
          }
        : (ctor as Ctor);
    return { instance: new Probe(...PROBE_ARGS[name]) };
  } catch (error) {
    return { error: `new ${name}(...) threw: ${(error as Error)?.message ?? String(error)}` };
  }
}

function lookUp(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || value === undefined) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function hasKind(value: unknown, kind: Kind): boolean {
  return kind === 'defined' ? value !== undefined : typeof value === kind;
}

/** The members missing from `module` (or of the wrong kind), each with what was expected. Pure. */
export function missingNsqjsMembers(module: NsqjsModule): string[] {
  const probes = new Map<ClassName, { instance?: unknown; error?: string }>();
  const missing: string[] = [];
  for (const [path, kind] of NSQJS_MEMBERS) {
    const onInstance = path.includes('#');
    const [head = '', rest = ''] = path.split(onInstance ? '#' : /\.(.*)/s);
    const name = head as ClassName;
    let root: unknown = module[name];
    if (onInstance) {
      const p = probes.get(name) ?? probe(module, name);
      probes.set(name, p);
      if (p.error !== undefined) {
        missing.push(`${path} (${p.error})`);
        continue;
      }
      root = p.instance;
    }
    if (!hasKind(lookUp(root, rest.split('.')), kind)) missing.push(`${path} (expected ${kind})`);
  }
  return missing;
}

/** Throws NsqjsInternalsError naming the version and every missing member. */
export function checkNsqjsInternals(module: NsqjsModule): void {
  const missing = missingNsqjsMembers(module);
  if (missing.length > 0) throw new NsqjsInternalsError(module.version, missing);
}
