import type { DeadLetterRecord } from '#shared/contract/dead-letter';

/** A dead letter with every field set; `body` defaults to binary bytes that are not valid UTF-8. */
export function deadLetterRecordFactory(overrides: Partial<DeadLetterRecord> = {}): DeadLetterRecord {
  return {
    version: 1,
    id: '0a1b2c3d4e5f6071',
    subscription: 'orders',
    topic: 'orders',
    channel: 'lambda',
    functionName: 'orders-handler',
    body: Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a, 0x22, 0x5c]).toString('base64'),
    attempts: 5,
    reasonKind: 'maxAttempts',
    reason: 'attempts reached maxAttempts (5)',
    lastError: { type: 'Sandbox.Timedout', message: 'Task timed out after 3.00 seconds', requestId: 'req-1' },
    nsqdAddress: '127.0.0.1:4150',
    publishedAtMs: Date.UTC(2026, 10, 27, 1, 2, 3),
    receivedAtMs: Date.UTC(2026, 10, 27, 1, 2, 4),
    deadLetteredAtMs: Date.UTC(2026, 10, 27, 1, 2, 5, 678),
    ...overrides,
  };
}
