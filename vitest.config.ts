import { defineConfig } from 'vitest/config';

// One runner for the whole workspace. Integration tests talk to real NATS and Postgres: the testkit
// resolves them from NATS_URL / DATABASE_URL (or local defaults, or testcontainers where Docker exists)
// and fails, never skips, when neither can be had.
export default defineConfig({
  test: {
    include: [
      'libs/*/test/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'infra/test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Test files share one NATS server, and the services they start answer global subjects (orders.*, md.*,
    // hist.*): two files running an OMS at once would answer each other's requests. One file at a time.
    fileParallelism: false,
    reporters: ['default'],
  },
});
