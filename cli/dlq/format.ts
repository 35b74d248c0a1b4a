/**
 * Human renderings of dead letters.
 */
import type { DeadLetterRecord } from '#shared/contract/dead-letter';
import { renderTable } from '../lib/table.ts';
import { formatTime } from '../lib/time.ts';
import type { Selected } from './select.ts';

export function listTable(selected: readonly Selected[]): string {
  return renderTable(
    [
      { header: 'DEAD-LETTERED' },
      { header: 'ID' },
      { header: 'HANDLER' },
      { header: 'TOPIC' },
      { header: 'ATTEMPTS', align: 'right' },
      { header: 'KIND' },
      { header: 'REASON', maxWidth: 60 },
    ],
    selected.map(({ ref, record }) => [
      formatTime(ref.deadLetteredAtMs),
      ref.id,
      record?.functionName ?? '',
      record?.topic ?? '',
      record ? String(record.attempts) : '',
      record?.reasonKind ?? '',
      record?.reason ?? '',
    ]),
  );
}

/** The body as text when it is valid UTF-8 without control characters other than whitespace; else hex. */
export function describeBody(body: Buffer): { encoding: 'utf-8' | 'hex'; text: string } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point
    if (!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return { encoding: 'utf-8', text };
  } catch {
    // not UTF-8
  }
  return { encoding: 'hex', text: body.toString('hex') };
}

export function showText(key: string, record: DeadLetterRecord): string {
  const body = Buffer.from(record.body, 'base64');
  const shown = describeBody(body);
  const lines = [
    `key:              ${key}`,
    `id:               ${record.id}`,
    `handler:          ${record.functionName}`,
    `subscription:     ${record.subscription}`,
    `topic/channel:    ${record.topic}/${record.channel}`,
    `attempts:         ${record.attempts}`,
    `reason:           ${record.reasonKind}: ${record.reason}`,
    ...(record.lastError
      ? [
          `last error:       ${record.lastError.type}: ${record.lastError.message}${record.lastError.requestId ? ` (request ${record.lastError.requestId})` : ''}`,
        ]
      : []),
    `nsqd:             ${record.nsqdAddress}`,
    `published at:     ${new Date(record.publishedAtMs).toISOString()}`,
    `received at:      ${new Date(record.receivedAtMs).toISOString()}`,
    `dead-lettered at: ${new Date(record.deadLetteredAtMs).toISOString()}`,
    `body (${body.byteLength} bytes, ${shown.encoding}):`,
    shown.text,
  ];
  return lines.join('\n');
}
