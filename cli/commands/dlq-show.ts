/**
 * `nsq-lambda dlq show`: one dead letter by id or key, with its original body.
 */
import { describeBody, showText } from '../dlq/format.ts';
import { parseDeadLetterKey, S3DeadLetterSource } from '../dlq/s3-source.ts';
import type { DeadLetterRef, DeadLetterSource } from '../dlq/source.ts';
import { badInput } from '../errors.ts';
import { ExitCode, type ExitCodeValue } from '../lib/exit-codes.ts';
import { type CliIo, printJson, println } from '../lib/io.ts';
import { openSource, type StoreFlags } from './dlq-store.ts';

async function findRef(source: DeadLetterSource, idOrKey: string): Promise<DeadLetterRef> {
  if (source instanceof S3DeadLetterSource) {
    const byKey = parseDeadLetterKey(source.prefix, idOrKey);
    if (byKey) return byKey;
    if (!/^[A-Za-z0-9_-]+$/.test(idOrKey)) {
      throw badInput(
        `${JSON.stringify(idOrKey)} is neither a message id nor a dead-letter key under ${source.prefix}/`,
      );
    }
  }
  const found: DeadLetterRef[] = [];
  for await (const ref of source.listRefs({})) if (ref.id === idOrKey || ref.key === idOrKey) found.push(ref);
  if (found.length === 0) throw badInput(`no dead letter with id ${idOrKey} in ${source.describe}`);
  if (found.length > 1) {
    throw badInput(
      `${found.length} dead letters have id ${idOrKey} (the message was dead-lettered more than once); pass the key: ${found.map((r) => r.key).join(', ')}`,
    );
  }
  return found[0] as DeadLetterRef;
}

export async function dlqShow(
  io: CliIo,
  idOrKey: string,
  flags: StoreFlags & { raw?: boolean; json?: boolean },
): Promise<ExitCodeValue> {
  const source = await openSource(io, flags);
  try {
    const ref = await findRef(source, idOrKey);
    const record = await source.read(ref);
    const body = Buffer.from(record.body, 'base64');
    if (flags.raw) io.stdout.write(body);
    else if (flags.json) {
      const shown = describeBody(body);
      printJson(io, {
        key: ref.key,
        ...record,
        bodyBytes: body.byteLength,
        ...(shown.encoding === 'utf-8' ? { bodyText: shown.text } : {}),
      });
    } else println(io.stdout, showText(ref.key, record));
    return ExitCode.ok;
  } finally {
    await source.close();
  }
}
