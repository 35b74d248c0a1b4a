/**
 * `nsq-lambda dlq list`: the selected dead letters, oldest first.
 */
import { filterFromFlags } from '../dlq/filter.ts';
import { listTable } from '../dlq/format.ts';
import { selectDeadLetters } from '../dlq/select.ts';
import { ExitCode, type ExitCodeValue } from '../lib/exit-codes.ts';
import { type CliIo, printJson, println } from '../lib/io.ts';
import { parsePositiveInt } from '../lib/time.ts';
import { type CommonFlags, noteRemaining, openSource, warnMalformed } from './dlq-store.ts';

export async function dlqList(io: CliIo, flags: CommonFlags & { limit?: string }): Promise<ExitCodeValue> {
  const filter = filterFromFlags(flags, io.now());
  const limit = flags.limit === undefined ? 1000 : parsePositiveInt(flags.limit, '--limit');
  const source = await openSource(io, flags);
  try {
    const { selected, malformed } = await selectDeadLetters(source, filter, { withRecords: true, limit });
    if (flags.json) {
      printJson(io, {
        source: source.describe,
        count: selected.length,
        items: selected.map(({ ref, record }) => {
          const { body: _body, ...rest } = record ?? ({ body: '' } as { body: string });
          return { key: ref.key, ...rest, bodyBytes: Buffer.byteLength(record?.body ?? '', 'base64') };
        }),
        malformed,
      });
    } else {
      warnMalformed(io, malformed);
      noteRemaining(io, source);
      if (selected.length === 0) println(io.stdout, `no dead letters in ${source.describe} match`);
      else {
        println(io.stdout, listTable(selected));
        println(io.stdout, `${selected.length} dead letter(s) in ${source.describe}`);
      }
    }
    return ExitCode.ok;
  } finally {
    await source.close();
  }
}
