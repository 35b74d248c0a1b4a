import { describe, expect, it } from 'vitest';
import { emfDocuments, emfProblems } from '#test/harness/emf';

const valid = {
  _aws: {
    Timestamp: 1_765_000_000_000,
    CloudWatchMetrics: [
      {
        Namespace: 'NsqLambda',
        Dimensions: [['subscription']],
        Metrics: [
          { Name: 'MessagesReceived', Unit: 'Count' },
          { Name: 'InvocationDuration', Unit: 'Seconds' },
        ],
      },
    ],
  },
  subscription: 'orders',
  MessagesReceived: 3,
  InvocationDuration: { Values: [0.05, 0.1], Counts: [2, 1] },
};

describe('the EMF checker', () => {
  it.each([
    ['a valid document', valid, []],
    ['no _aws', { a: 1 }, ['_aws: missing or not an object']],
    [
      'a Timestamp in seconds as a float',
      { ...valid, _aws: { ...valid._aws, Timestamp: 1.5 } },
      ['_aws.Timestamp'],
    ],
    [
      'no Namespace',
      {
        ...valid,
        _aws: { ...valid._aws, CloudWatchMetrics: [{ ...valid._aws.CloudWatchMetrics[0], Namespace: '' }] },
      },
      ['Namespace'],
    ],
    ['a dimension without its value', { ...valid, subscription: undefined }, ['dimension subscription']],
    ['a dimension with a number', { ...valid, subscription: 7 }, ['dimension subscription']],
    ['a metric without a value', { ...valid, MessagesReceived: undefined }, ['metric MessagesReceived']],
    ['a metric as a string', { ...valid, MessagesReceived: '3' }, ['metric MessagesReceived']],
    ['a nested metric value', { ...valid, MessagesReceived: { value: 3 } }, ['metric MessagesReceived']],
    [
      'a histogram with unequal arrays',
      { ...valid, InvocationDuration: { Values: [0.05], Counts: [2, 1] } },
      ['metric InvocationDuration'],
    ],
    [
      'more than 100 values',
      { ...valid, MessagesReceived: Array.from({ length: 101 }, () => 1) },
      ['metric MessagesReceived'],
    ],
    [
      'an unknown unit',
      {
        ...valid,
        _aws: {
          ...valid._aws,
          CloudWatchMetrics: [
            { ...valid._aws.CloudWatchMetrics[0], Metrics: [{ Name: 'MessagesReceived', Unit: 'ms' }] },
          ],
        },
      },
      ['unit "ms"'],
    ],
  ])('%s', (_name, doc, expected) => {
    const problems = emfProblems(doc);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((fragment, i) => {
      expect(problems[i]).toContain(fragment);
    });
  });

  it('finds the EMF lines among log lines and refuses invalid ones', () => {
    const log = ['{"level":"warn","msg":"x"}', JSON.stringify(valid), 'plain text'].join('\n');
    expect(emfDocuments(log)).toHaveLength(1);
    expect(() => emfDocuments(JSON.stringify({ ...valid, MessagesReceived: 'x' }))).toThrow(/invalid EMF/);
  });
});
