import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './scripts/longest-first-sequencer.js';

const ALL_TESTS = [
  'libs/*/test/**/*.test.ts',
  'services/*/test/**/*.test.ts',
  'apps/*/test/**/*.test.ts',
  'infra/test/**/*.test.ts',
];

/**
 * The pure tests: no NATS, Postgres, sockets, simulators or child processes, so they run in parallel in seconds
 * (`npm run test:unit`). A new test file that needs none of those belongs here.
 */
const UNIT_TESTS = [
  'apps/cli/test/units.test.ts',
  'apps/dashboard/test/config.test.ts',
  'apps/dashboard/test/line-tally.test.ts',
  'apps/dashboard/test/views.test.ts',
  'infra/test/config-docs.test.ts',
  'infra/test/layers.test.ts',
  'infra/test/readme.test.ts',
  'libs/backtest/test/csv-time.test.ts',
  'libs/backtest/test/engine.test.ts',
  'libs/backtest/test/stats.test.ts',
  'libs/exchange/test/available-funds.test.ts',
  'libs/bus/test/codec.test.ts',
  'libs/bus/test/stream-spec.test.ts',
  'libs/contracts/test/bar-buckets.test.ts',
  'libs/contracts/test/bar-columns.test.ts',
  'libs/contracts/test/broker-capabilities.test.ts',
  'libs/contracts/test/calendar.test.ts',
  'libs/contracts/test/catalog.test.ts',
  'libs/contracts/test/decimal.test.ts',
  'libs/contracts/test/fast-checks.test.ts',
  'libs/contracts/test/packed-bars.test.ts',
  'libs/contracts/test/recorded-broker-status.test.ts',
  'libs/contracts/test/requests.test.ts',
  'libs/clients/test/clients.test.ts',
  'libs/contracts/test/schemas.test.ts',
  'libs/contracts/test/subject-match.test.ts',
  'libs/contracts/test/subjects.test.ts',
  'libs/contracts/test/symbol-forms.test.ts',
  'libs/contracts/test/timeframe.test.ts',
  'libs/contracts/test/zoned-time.test.ts',
  'libs/runtime/test/flags.test.ts',
  'libs/runtime/test/logger-lifecycle.test.ts',
  'libs/sdk/test/options.test.ts',
  'libs/strategy/test/live-units.test.ts',
  'libs/strategy/test/strategy.test.ts',
  'services/gateway-alpaca/test/governor.test.ts',
  'services/gateway-alpaca/test/keys.test.ts',
  'services/gateway-alpaca/test/mapping.test.ts',
  'services/gateway-ib/test/config.test.ts',
  'services/gateway-ib/test/history-scheduler.test.ts',
  'services/gateway-ib/test/pacing.test.ts',
  'services/gateway-ib/test/parsing-orders.test.ts',
  'services/gateway-ib/test/parsing.test.ts',
  'services/gateway-paper/test/snapshot-parts.test.ts',
  'services/history/test/fold.test.ts',
  'services/history/test/pure.test.ts',
  'services/ib-sim/test/market.test.ts',
  'services/ib-sim/test/option-model.test.ts',
  'services/ib-sim/test/wire.test.ts',
  'services/market-data/test/bar-aggregator.test.ts',
  'services/market-data/test/lease-table.test.ts',
  'services/market-data/test/sessions.test.ts',
  'services/orders/test/batch-writer.test.ts',
  'services/orders/test/config.test.ts',
  'services/orders/test/order-lanes.test.ts',
  'services/orders/test/order-state.test.ts',
  'services/orders/test/position-differences.test.ts',
  'services/orders/test/risk-checks.test.ts',
];

// One runner for the whole workspace, two projects: `unit` (the list above, files in parallel) and `integration`
// (everything else). Integration tests talk to real NATS and Postgres: the testkit resolves them from NATS_URL /
// DATABASE_URL (or local defaults, or testcontainers where Docker exists) and fails, never skips, when neither can
// be had. `npm test` runs both.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Files run in parallel (see the integration project). Most integration files wait on sockets, timers and
    // child processes rather than compute, so on 2 cores three at once keep the CPUs busy without starving the
    // timing-sensitive ones; VITEST_MAX_WORKERS overrides it for a bigger or busier machine.
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS) || 3,
    reporters: ['default'],
    sequence: { sequencer: LongestFirstSequencer },
    // An embedded system a test starts (in its worker or as a child process) puts its ib-sim on a free port, never on
    // TWS paper's 7497: files run in parallel, and the seed example's test (which takes 7497, as the example names
    // it) once reached another file's system there and was reset under it when that file shut its system down.
    env: { SIM_PORT: '0' },
    projects: [
      // Pure modules share no state worth isolating: one worker thread reuses what earlier files imported.
      { extends: true, test: { name: 'unit', include: UNIT_TESTS, pool: 'threads', isolate: false } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ALL_TESTS,
          exclude: ['**/node_modules/**', ...UNIT_TESTS],
          // Test files share one NATS server and run in parallel: each is its own system there, with its own bus
          // namespace (libs/testkit namespace-setup.ts: subjects <ns>.*, streams <ns>_*), its own Postgres schemas
          // (createTestSchemaName) and free ports, so two files running an OMS never answer each other.
          setupFiles: ['libs/testkit/src/namespace-setup.ts'],
          // A worker process runs file after file: a fresh process per file (isolation) spent 1-2 s of CPU each on
          // starting and importing the same modules again (32 short files: 65 s → 30 s wall, 40 → 18 s of CPU, at
          // load 11). Nothing a file needs isolating is process-wide: its namespace is set before each file, its
          // schemas, ports and servers are its own, and what it starts it stops.
          isolate: false,
        },
      },
    ],
  },
});
