/**
 * A stand-in venue for the skeleton: market orders fill at once at a fixed price, limit orders rest until
 * cancelled. Replace it with the adapter of a real broker API; test that on the broker's simulator or sandbox.
 */
import type { VenueListener, VenueOrder, VenuePort } from './port.js';

export function paperVenue(opts: { account: string; price: number; feePerUnit: number }): VenuePort {
  let listener: VenueListener | undefined;
  let nextId = 1;
  const orders = new Map<string, VenueOrder>();
  const emit = (o: VenueOrder): void => {
    orders.set(o.venueOrderId, o);
    listener?.order(o);
  };
  return {
    async connect(l) {
      listener = l;
      l.connected([opts.account]);
    },
    async close() {
      listener?.disconnected('closed');
      listener = undefined;
    },
    async submit(req) {
      const venueOrderId = String(nextId++);
      const o: VenueOrder = { ...req, venueOrderId, state: 'working', filledQty: 0 };
      // The venue answers after the submit resolved, as a real one does: the outcome is an event, never the reply.
      queueMicrotask(() => {
        emit(o);
        if (o.kind !== 'market') return;
        const timeMs = Date.now();
        listener?.fill({
          fillId: `${venueOrderId}.1`,
          venueOrderId,
          clientRef: o.clientRef,
          symbolId: o.symbolId,
          side: o.side,
          qty: o.qty,
          price: opts.price,
          fee: o.qty * opts.feePerUnit,
          timeMs,
        });
        emit({ ...o, state: 'filled', filledQty: o.qty });
      });
      return venueOrderId;
    },
    async cancel(venueOrderId) {
      const o = orders.get(venueOrderId);
      if (o?.state === 'working') queueMicrotask(() => emit({ ...o, state: 'canceled' }));
    },
  };
}
