/** The skeleton as a process: wiring only. `NATS_URL=nats://127.0.0.1:4222 npx tsx examples/skeleton-gateway/main.ts` */
import { openBus } from '@trading-system/bus';
import { catalog } from '@trading-system/contracts';
import { start } from './app.js';
import { paperVenue } from './paper-venue.js';

const url = process.env.NATS_URL;
const log = { warn: console.warn, error: console.error, debug: () => undefined };
const bus = await openBus({
  connection: url === undefined ? undefined : { servers: url },
  name: 'skeleton-gateway',
  catalog,
  log,
  onLost: (err) => {
    console.error('NATS connection lost for good', err);
    process.exit(1);
  },
});
const gateway = await start({
  bus,
  broker: process.env.BROKER_NAME ?? 'skeleton',
  venue: paperVenue({ account: 'PAPER1', price: 100, feePerUnit: 0.01 }),
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void gateway.stop().then(() => bus.drain());
  });
}
