import { describe, expect, it } from 'vitest';
import { formatBanner } from '#dev/up/banner';

describe('formatBanner', () => {
  it('puts labels in a column, a first line beside its label and the rest below it', () => {
    expect(
      formatBanner([
        { label: 'nsqd', lines: ['tcp 127.0.0.1:4150'] },
        {
          label: 'MinIO',
          lines: ['API http://127.0.0.1:9000', 'AWS_ACCESS_KEY_ID=k AWS_SECRET_ACCESS_KEY=s'],
        },
        { label: 'local Lambda', lines: ['http://127.0.0.1:9001'] },
      ]),
    ).toEqual([
      '  nsqd         tcp 127.0.0.1:4150',
      '  MinIO        API http://127.0.0.1:9000',
      '               AWS_ACCESS_KEY_ID=k AWS_SECRET_ACCESS_KEY=s',
      '  local Lambda http://127.0.0.1:9001',
    ]);
  });
});
