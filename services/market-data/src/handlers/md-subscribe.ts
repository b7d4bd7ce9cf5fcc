/**
 * `md.subscribe`: qualify the instrument at its gateway, grant or renew the lease (opening what the line lacks), and
 * answer with the subjects the client listens on.
 */
import {
  barSizeToTimeframe,
  ContractError,
  type MdSubscribeReply,
  type MdSubscribeRequest,
  parseTimeframe,
  Subjects,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { toErrorReply } from '../errors.js';
import type { GatewayClient } from '../gateway-client.js';
import type { Leases } from '../leases.js';

export function mdSubscribeHandler(
  gateway: GatewayClient,
  leases: Leases,
  log: Logger,
  subject: string,
): (req: MdSubscribeRequest) => Promise<MdSubscribeReply> {
  return async (req) => {
    try {
      // Any spelling ('7 mins', '15min', '1H'): one canonical token per timeframe, so one subject and one line.
      const timeframes = [...new Set(req.timeframes.map(barSizeToTimeframe))];
      for (const tf of timeframes) {
        if (parseTimeframe(tf).seconds === undefined)
          throw new ContractError('VALIDATION_FAILED', `timeframe ${tf}: calendar months are not aggregated live`);
      }
      const instrument = await gateway.qualify(req.broker, req.instrument);
      const { line, expiresAtMs } = await leases.grant({
        leaseId: req.leaseId,
        broker: req.broker,
        instrument,
        streams: req.streams,
        timeframes,
        ttlMs: req.ttlMs,
      });
      const out: string[] = [];
      const inst = { broker: req.broker, instrument: instrument.id };
      if (req.streams.includes('ticks')) out.push(Subjects.mdTick.build(inst));
      if (req.streams.includes('ticks') && line.exactTrades) out.push(Subjects.mdTrade.build(inst));
      if (req.streams.includes('rtbars')) out.push(Subjects.mdRtBar.build(inst));
      for (const timeframe of timeframes) out.push(Subjects.mdBar.build({ ...inst, timeframe }));
      return { v: 1, ok: true, leaseId: req.leaseId, instrument, subjects: out, expiresAtMs, delayed: line.delayed };
    } catch (err) {
      return toErrorReply(err, log, subject);
    }
  };
}
