/** `md.unsubscribe`: end a lease now; the line closes at the gateway when it was the last one. */
import type { MdUnsubscribeReply, MdUnsubscribeRequest } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { toErrorReply } from '../errors.js';
import type { Leases } from '../leases.js';

export function mdUnsubscribeHandler(
  leases: Leases,
  log: Logger,
  subject: string,
): (req: MdUnsubscribeRequest) => Promise<MdUnsubscribeReply> {
  return async (req) => {
    try {
      const released = await leases.release(req.leaseId, 'unsubscribed');
      if (released === undefined)
        return { v: 1, ok: false, code: 'LEASE_NOT_FOUND', message: `no lease ${req.leaseId} (expired?)` };
      return { v: 1, ok: true, leaseId: req.leaseId, lineReleased: released };
    } catch (err) {
      return toErrorReply(err, log, subject);
    }
  };
}
