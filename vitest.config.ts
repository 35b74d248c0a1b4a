import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration tests start their own nsqd/redis/minio on free ports, so files can run in parallel;
    // keep it bounded on a 2-core machine.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
