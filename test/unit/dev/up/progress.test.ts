import { describe, expect, it } from 'vitest';
import {
  formatMs,
  formatRate,
  outputMode,
  ProgressPrinter,
  ProgressTracker,
  progressLine,
  progressTable,
  type SubscriptionProgress,
} from '#dev/up/progress';
import type { SubscriptionCounters } from '#dev/up/progress-metrics';

const counters = (over: Partial<SubscriptionCounters> = {}): SubscriptionCounters => ({
  subscription: 'template',
  received: 21,
  finished: 20,
  requeued: 0,
  deadLettered: 1,
  throttled: 0,
  errors: 0,
  inFlight: 0,
  toggle: 'started',
  p99Ms: 247,
  ...over,
});

describe('cell formats', () => {
  it.each<[number | undefined, string]>([
    [undefined, '-'],
    [0, '0.0'],
    [10.84, '10.8'],
  ])('rate %s → %s', (perSec, text) => expect(formatRate(perSec)).toBe(text));

  it.each<[number | undefined, string]>([
    [undefined, '-'],
    [0.4, '0 ms'],
    [247.4, '247 ms'],
    [999.4, '999 ms'],
    [2_500, '2.5 s'],
  ])('p99 %s → %s', (ms, text) => expect(formatMs(ms)).toBe(text));

  it.each<[boolean, boolean, string]>([
    [true, false, 'table'],
    [true, true, 'lines'],
    [false, false, 'lines'],
    [false, true, 'lines'],
  ])('TTY %s, --plain %s → %s', (tty, plain, mode) => expect(outputMode(tty, plain)).toBe(mode));
});

describe('ProgressTracker', () => {
  it('adds messages answered (finished or dead-lettered) per second over its window', () => {
    const tracker = new ProgressTracker(2_000);
    expect(tracker.update([counters({ finished: 0, deadLettered: 0 })], 0)[0]?.msgsPerSec).toBeUndefined();
    expect(tracker.update([counters({ finished: 8, deadLettered: 2 })], 1_000)[0]?.msgsPerSec).toBe(10);
    expect(tracker.update([counters({ finished: 10, deadLettered: 2 })], 2_000)[0]?.msgsPerSec).toBe(6);
    // The first sample left the window.
    expect(tracker.update([counters({ finished: 10, deadLettered: 2 })], 3_000)[0]?.msgsPerSec).toBe(1);
    expect(tracker.update([counters({ finished: 10, deadLettered: 2 })], 5_000)[0]?.msgsPerSec).toBe(0);
  });
});

describe('progress output', () => {
  const rows: SubscriptionProgress[] = [
    { ...counters(), msgsPerSec: 10.8 },
    {
      ...counters({ subscription: 'html-backup', received: 25, finished: 0, deadLettered: 0 }),
      requeued: 13,
      throttled: 2,
      errors: 3,
      inFlight: 4,
      toggle: 'stopped',
      p99Ms: undefined,
      msgsPerSec: undefined,
    },
  ];

  it('renders an aligned table with a header', () => {
    const lines = progressTable(rows);
    expect(lines).toEqual([
      'subscription  received  finished  requeued  dead-lettered  throttled  errors  in flight  msgs/s     p99   toggle',
      'template            21        20         0              1          0       0          0    10.8  247 ms  started',
      'html-backup         25         0        13              0          2       3          4       -       -  stopped',
    ]);
  });

  it('renders plain lines', () => {
    const [template] = rows;
    if (!template) throw new Error('no template row');
    expect(progressLine(template)).toBe(
      'progress template: received 21, finished 20, requeued 0, dead-lettered 1, throttled 0, errors 0, in flight 0, msgs/s 10.8, p99 247 ms, toggle started',
    );
  });

  function fakeStream(isTTY: boolean) {
    const writes: string[] = [];
    return {
      stream: {
        isTTY,
        columns: 200,
        rows: 50,
        write: (s: string) => writes.push(s),
      } as unknown as NodeJS.WriteStream,
      writes,
    };
  }

  it('redraws the table in place in table mode', () => {
    const { stream, writes } = fakeStream(true);
    const printer = new ProgressPrinter(stream, 'table');
    printer.print(rows);
    const first = writes.join('');
    expect(first).toContain('subscription  received');
    printer.print([{ ...rows[0], received: 22 } as SubscriptionProgress, ...rows.slice(1)]);
    const second = writes.join('').slice(first.length);
    // The changed line is rewritten after moving the cursor up; no new header is appended.
    const cursorUp = second
      .split('\x1b[')
      .slice(1)
      .some((sequence) => /^\d*A/.test(sequence));
    expect(cursorUp).toBe(true);
    expect(second).toContain('template            22');
    expect(second).not.toContain('subscription');
  });

  it('prints only changed lines in line mode, even on a TTY (--plain)', () => {
    const { stream, writes } = fakeStream(true);
    const printer = new ProgressPrinter(stream, 'lines');
    printer.print(rows);
    printer.print(rows);
    expect(writes).toHaveLength(2);
    printer.print([{ ...rows[0], received: 22 } as SubscriptionProgress, ...rows.slice(1)]);
    expect(writes).toHaveLength(3);
    expect(writes[2]).toMatch(/^progress template: received 22/);
  });
});
