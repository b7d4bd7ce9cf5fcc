/**
 * The commands market-data sends to a broker's gateway (`broker.<name>.cmd.*`): contract qualification (the
 * services' one cache, libs/clients' BrokerClient: per instrument id and per description, concurrent asks shared,
 * failures not kept) and opening/closing lines. A gateway's error reply becomes a GatewayCommandError naming the
 * command and the broker; the bus's failures (no responders, timeout) pass as they are, with their registry codes.
 */
import type { Bus } from '@trading-system/bus';
import { BrokerClient } from '@trading-system/clients';
import { ContractError, type Instrument, type InstrumentRef } from '@trading-system/contracts';
import { GatewayCommandError } from './errors.js';
import type { StreamKind } from './lease-table.js';

export class GatewayClient {
  private readonly brokers: BrokerClient;

  constructor(bus: Bus, timeoutMs: number) {
    this.brokers = new BrokerClient(bus, { timeoutMs });
  }

  qualify(broker: string, ref: InstrumentRef): Promise<Instrument> {
    return this.brokers.qualify(broker, ref).catch((err: unknown) => {
      throw labelled(err, 'qualifyContract', broker);
    });
  }

  async subscribe(
    broker: string,
    instrument: Instrument,
    streams: readonly StreamKind[],
  ): Promise<{ subjects: string[]; delayed: boolean; instanceId: string | undefined }> {
    try {
      const r = await this.brokers.call(broker, 'mdSubscribe', {
        v: 1,
        instrument: { id: instrument.id },
        streams: [...streams],
      });
      return { subjects: r.subjects, delayed: r.delayed, instanceId: r.instanceId };
    } catch (err) {
      throw labelled(err, 'mdSubscribe', broker);
    }
  }

  async unsubscribe(broker: string, instrumentId: string, streams: readonly StreamKind[]): Promise<void> {
    try {
      await this.brokers.call(broker, 'mdUnsubscribe', {
        v: 1,
        instrument: { id: instrumentId },
        streams: [...streams],
      });
    } catch (err) {
      throw labelled(err, 'mdUnsubscribe', broker);
    }
  }
}

/** The gateway's refusal with the command and broker named; anything else as it is. */
function labelled(err: unknown, verb: string, broker: string): unknown {
  if (!(err instanceof ContractError) || err instanceof GatewayCommandError) return err;
  return new GatewayCommandError(err.code, `${verb} on ${broker}: ${err.message}`, {
    cause: err,
    ...(err.details === undefined ? {} : { details: err.details }),
  });
}
