import { describe, expect, it } from 'vitest';
import { ProgressPrinter, progressFromMetrics, progressLine, progressTable } from '#dev/up/progress';

const metrics = `
# HELP nsq_lambda_messages_received_total Messages delivered by nsqd.
# TYPE nsq_lambda_messages_received_total counter
nsq_lambda_messages_received_total{subscription="template"} 21
nsq_lambda_messages_received_total{subscription="html-backup"} 25
nsq_lambda_messages_finished_total{subscription="template"} 20
nsq_lambda_messages_requeued_total{subscription="html-backup",reason="retryAfter"} 10
nsq_lambda_messages_requeued_total{subscription="html-backup",reason="functionError"} 3
nsq_lambda_messages_dead_lettered_total{reason="schema",subscription="template"} 1
nsq_lambda_throttles_total{subscription="html-backup",reason="ReservedFunctionConcurrentInvocationLimitExceeded"} 2
nsq_lambda_messages_in_flight{subscription="html-backup"} 4
`;

describe('progressFromMetrics', () => {
  it('sums each counter per subscription across other labels, zero when absent', () => {
    expect(progressFromMetrics(metrics, ['template', 'html-backup', 'cpu-heavy'])).toEqual([
      {
        subscription: 'template',
        received: 21,
        finished: 20,
        requeued: 0,
        deadLettered: 1,
        throttled: 0,
        inFlight: 0,
      },
      {
        subscription: 'html-backup',
        received: 25,
        finished: 0,
        requeued: 13,
        deadLettered: 0,
        throttled: 2,
        inFlight: 4,
      },
      {
        subscription: 'cpu-heavy',
        received: 0,
        finished: 0,
        requeued: 0,
        deadLettered: 0,
        throttled: 0,
        inFlight: 0,
      },
    ]);
  });
});

describe('progress output', () => {
  const rows = progressFromMetrics(metrics, ['template', 'html-backup']);

  it('renders an aligned table with a header', () => {
    const lines = progressTable(rows);
    expect(lines[0]).toBe('subscription  received  finished  requeued  dead-lettered  throttled  in flight');
    expect(lines[1]).toBe('template            21        20         0              1          0          0');
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  it('renders plain lines', () => {
    const [template] = rows;
    if (!template) throw new Error('no template row');
    expect(progressLine(template)).toBe(
      'progress template: received 21, finished 20, requeued 0, dead-lettered 1, throttled 0, in flight 0',
    );
  });

  function fakeStream(isTTY: boolean) {
    const writes: string[] = [];
    return {
      stream: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream,
      writes,
    };
  }

  it('redraws in place on a TTY', () => {
    const { stream, writes } = fakeStream(true);
    const printer = new ProgressPrinter(stream);
    printer.print(rows);
    printer.print(rows);
    expect(writes[0]).not.toContain('\x1b[3F');
    expect(writes[1]).toBe('\x1b[3F');
    expect(writes[2]).toContain('\x1b[2Ksubscription');
  });

  it('prints only changed lines when not a TTY', () => {
    const { stream, writes } = fakeStream(false);
    const printer = new ProgressPrinter(stream);
    printer.print(rows);
    printer.print(rows);
    expect(writes).toHaveLength(2);
    printer.print(progressFromMetrics(metrics.replace('} 21', '} 22'), ['template', 'html-backup']));
    expect(writes).toHaveLength(3);
    expect(writes[2]).toMatch(/^progress template: received 22/);
  });
});
