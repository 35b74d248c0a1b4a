import { describe, expect, it } from 'vitest';
import { resolveSoakOptions, SOAK_DEFAULTS } from '../../../bench/soak-options.ts';

describe('resolveSoakOptions', () => {
  it('defaults to a million 1 KiB messages sampled every 5 s into .cache/bench/soak', () => {
    expect(resolveSoakOptions({})).toEqual(SOAK_DEFAULTS);
    expect(SOAK_DEFAULTS).toMatchObject({
      messages: 1_000_000,
      bodyBytes: 1024,
      intervalSec: 5,
      out: '.cache/bench/soak',
    });
  });

  it('takes flags, numbers with or without underscores', () => {
    expect(
      resolveSoakOptions({ messages: '50_000', intervalSec: '1', out: 'docs/benchmarks' }),
    ).toMatchObject({
      messages: 50_000,
      intervalSec: 1,
      out: 'docs/benchmarks',
    });
  });

  it('lists every invalid setting at once', () => {
    expect(() => resolveSoakOptions({ messages: '10', intervalSec: 'soon', bridgeFrom: 'docker' })).toThrow(
      /invalid soak settings:\n {2}- messages: .*\n {2}- intervalSec: .*\n {2}- bridgeFrom: /,
    );
  });
});
