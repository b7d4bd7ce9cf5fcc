import type { Bus } from '@trading-system/bus';
import {
  ContractError,
  Instrument,
  type InstrumentRef,
  isIdRef,
  type QualifyContractReply,
  Subjects,
} from '@trading-system/contracts';
import type { Kysely } from '@trading-system/storage';
import type { HistoryDb } from './db-types.js';

/**
 * Resolves a request's instrument to a qualified Instrument: a instrumentId is looked up in our table first (zero
 * broker traffic on a warm request); a description, or an unknown instrumentId, is qualified by the broker's gateway
 * (`broker.<name>.cmd.qualifyContract`) and remembered.
 */
export class InstrumentResolver {
  constructor(
    private readonly db: Kysely<HistoryDb>,
    private readonly bus: Bus,
    private readonly timeoutMs: number,
  ) {}

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
    const reply = await this.bus.request<QualifyContractReply>(
      Subjects.brokerCommand.build({ broker, verb: 'qualifyContract' }),
      { v: 1, instrument: ref, allowMany: false },
      { timeoutMs: this.timeoutMs },
    );
    if (!reply.ok) throw ContractError.fromReply(reply);
    const instrument = reply.instruments[0] as Instrument;
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
