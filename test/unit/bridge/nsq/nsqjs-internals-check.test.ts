import { describe, expect, it } from 'vitest';
import { NsqjsInternalsError } from '#bridge/errors';
import { installedNsqjs } from '#bridge/nsq/nsqjs-internals';
import {
  checkNsqjsInternals,
  missingNsqjsMembers,
  NSQJS_MEMBERS,
  type NsqjsModule,
} from '#bridge/nsq/nsqjs-internals-check';

/**
 * A fake nsqjs with every member the bridge uses, built fresh per call so a test can take one away.
 * Plain classes behind our own port (NsqjsModule), not a mock of nsqjs.
 */
function fakeNsqjs(): NsqjsModule & { [name: string]: unknown } {
  class Message {
    static FINISH = 0;
    static REQUEUE = 1;
    static TOUCH = 2;
    rawMessage: Buffer;
    maxMsgTimeout: number;
    requeueDelay: number;
    hasResponded = false;
    lastTouched = 0;
    constructor(raw: Buffer, requeueDelay: number, _msgTimeout: number, maxMsgTimeout: number) {
      this.rawMessage = raw;
      this.requeueDelay = requeueDelay;
      this.maxMsgTimeout = maxMsgTimeout;
      this.trackTimeout();
    }
    respond() {}
    requeue() {}
    touch() {}
    timeUntilTimeout() {}
    trackTimeout() {}
  }
  class NSQDConnection {
    static FINISHED = 'finished';
    static REQUEUED = 'requeued';
    static BACKOFF = 'backoff';
    nsqdHost: string;
    msgTimeout = 0;
    maxMsgTimeout = 0;
    config = { requeueDelay: 90_000, tlsVerification: true };
    statemachine = { goto() {}, states: { IDENTIFY_COMPRESSION_CHECK: { Enter() {} } } };
    constructor(host: string) {
      this.nsqdHost = host;
    }
    id() {}
    write() {}
    createMessage() {}
    startTLS() {}
    registerStreamListeners() {}
  }
  class Reader {
    readerRdy = {
      goto() {},
      current_state_name: 'ZERO',
      states: { TRY_ONE: {}, MAX: {} },
      createConnectionRdy() {},
    };
    registerConnectionListeners() {}
    connectToNSQD() {}
  }
  class ConnectionRdy {
    statemachine = { states: { MAX: { bump() {} } } };
    constructor(readonly conn: unknown) {}
  }
  return { version: '9.9.9', Message, Reader, NSQDConnection, ConnectionRdy };
}

/** Removes the member at `path` (as NSQJS_MEMBERS writes it) from a fresh fake. */
function fakeWithout(path: string): NsqjsModule {
  const fake = fakeNsqjs();
  const [head = '', rest = ''] = path.split(/[.#](.*)/s);
  const cls = fake[head] as { prototype: object; new (...args: unknown[]): object };
  const keys = rest.split('.');
  if (!path.includes('#')) {
    const owner = keys.slice(0, -1).reduce<Record<string, unknown>>((o, k) => o[k] as never, cls as never);
    delete owner[keys.at(-1) as string];
    return fake;
  }
  // An instance member: wrap the class so its instances lack it.
  const Wrapped = class extends cls {
    constructor(...args: unknown[]) {
      super(...args);
      const owner = keys.slice(0, -1).reduce<Record<string, unknown>>((o, k) => o[k] as never, this as never);
      delete owner[keys.at(-1) as string];
    }
  };
  return { ...fake, [head]: Wrapped };
}

describe('checkNsqjsInternals', () => {
  it('passes the installed nsqjs (the version pinned in package.json)', () => {
    const installed = installedNsqjs();
    expect(installed.version).toBe('0.13.0');
    expect(missingNsqjsMembers(installed)).toEqual([]);
    expect(() => checkNsqjsInternals(installed)).not.toThrow();
  });

  it('passes a fake that has every member', () => {
    expect(missingNsqjsMembers(fakeNsqjs())).toEqual([]);
  });

  it.each(NSQJS_MEMBERS.map(([path]) => path))(
    'names the nsqjs version and %s when it is missing',
    (path) => {
      const fake = fakeWithout(path);
      expect(missingNsqjsMembers(fake)).toEqual([expect.stringContaining(path)]);
      let thrown: unknown;
      try {
        checkNsqjsInternals(fake);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(NsqjsInternalsError);
      expect((thrown as Error).message).toContain('nsqjs 9.9.9 ');
      expect((thrown as Error).message).toContain(path);
      expect((thrown as NsqjsInternalsError).missing).toHaveLength(1);
    },
  );

  it('lists every missing member at once, and a constructor that throws', () => {
    const fake = fakeNsqjs();
    delete (fake.Message as unknown as Record<string, unknown>).FINISH;
    const broken = {
      ...fake,
      NSQDConnection: class {
        constructor() {
          throw new Error('options changed');
        }
      },
    };
    const missing = missingNsqjsMembers(broken);
    expect(missing).toContain('Message.FINISH (expected number)');
    expect(missing).toContain('NSQDConnection.FINISHED (expected string)');
    expect(missing).toContain('NSQDConnection#nsqdHost (new NSQDConnection(...) threw: options changed)');
    expect(() => checkNsqjsInternals(broken)).toThrow(/^nsqjs 9\.9\.9 lacks \d+ internals/);
  });

  it('reports a member of the wrong kind', () => {
    const fake = fakeNsqjs();
    (fake.Message as unknown as Record<string, unknown>).FINISH = 'FIN';
    expect(missingNsqjsMembers(fake)).toEqual(['Message.FINISH (expected number)']);
  });
});
