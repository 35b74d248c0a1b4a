import { describe, expect, it } from 'vitest';
import { workerdConfig } from '#dev/services/workerd';

describe('workerdConfig', () => {
  it('binds every socket to 127.0.0.1, opens outbound fetch to 127.0.0.1 and keeps secrets out of the file', () => {
    const config = workerdConfig(
      [
        {
          name: 'fn-a',
          bundleFile: '/out/fn-a/worker.mjs',
          bindings: { NSQ_LAMBDA_SIGNING_SECRET: 'sekret' },
        },
      ],
      { 'fn-a': 8787 },
      '/out',
    );
    expect(config).toContain('address = "127.0.0.1:8787"');
    expect(config).toContain('(name = "internet", network = (allow = ["public", "127.0.0.1/32"]))');
    expect(config).toContain('esModule = embed "fn-a/worker.mjs"');
    expect(config).toContain(
      '(name = "NSQ_LAMBDA_SIGNING_SECRET", fromEnvironment = "NSQ_LAMBDA_EDGE_0_NSQ_LAMBDA_SIGNING_SECRET")',
    );
    expect(config).not.toContain('sekret');
    expect(config).not.toMatch(/compatibilityFlags/);
  });
});
