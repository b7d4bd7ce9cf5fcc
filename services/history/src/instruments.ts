import type { Bus } from '@trading-system/bus';
import { BrokerClient } from '@trading-system/clients';
import { Instrument, type InstrumentRef, isIdRef } from '@trading-system/contracts';
import type { Kysely } from '@trading-system/storage';
import type { HistoryDb } from './db-types.js';

/**
 * Resolves a request's instrument to a qualified Instrument: a instrumentId is looked up in our table first (zero
 * broker traffic on a warm request); a description, or an unknown instrumentId, is qualified by the broker's gateway
 * (`broker.<name>.cmd.qualifyContract`) and remembered.
 */
export class InstrumentResolver {
  /** The services' one qualification cache (libs/clients); our table keeps what it learns across restarts. */
  private readonly brokers: BrokerClient;

  constructor(
    private readonly db: Kysely<HistoryDb>,
    bus: Bus,
    timeoutMs: number,
  ) {
    this.brokers = new BrokerClient(bus, { timeoutMs });
  }

  async resolve(broker: string, ref: InstrumentRef): Promise<Instrument> {
    if (isIdRef(ref)) {
      const row = await this.db
        .selectFrom('instruments')
        .select('instrument')
        .where('broker', '=', broker)
        .where('instrument_id', '=', ref.id)
        .executeTakeFirst();
      if (row !== undefined) return Instrument.parse(row.instrument);
    }
    const instrument = await this.brokers.qualify(broker, ref);
    await this.db
      .insertInto('instruments')
      .values({ broker, instrument_id: instrument.id, instrument: JSON.stringify(instrument) })
      .onConflict((oc) =>
        oc.columns(['broker', 'instrument_id']).doUpdateSet({ instrument: JSON.stringify(instrument) }),
      )
      .execute();
    return instrument;
  }
}
