/**
 * The narrow port between a gateway and its broker's API: only what the gateway uses, in the broker's own terms.
 * gateway-ib's equivalent is `services/gateway-ib/src/ib-port.ts` (the only file that imports @stoqey/ib). The
 * real adapter (an SDK client, a REST/WebSocket session) implements this; tests run the gateway on a simulator
 * speaking the broker's real wire protocol, never on a mock of this port.
 */

/** An order in the venue's words: its own ids, its own status names. */
export interface VenueOrder {
  readonly venueOrderId: string;
  /** Our clientOrderId, echoed back by the venue (IB: orderRef) so every later event names our order. */
  readonly clientRef: string;
  readonly symbolId: number;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly kind: 'market' | 'limit';
  readonly limit?: number;
  readonly state: 'new' | 'working' | 'filled' | 'canceled' | 'rejected';
  readonly filledQty: number;
}

export interface VenueFill {
  readonly fillId: string;
  readonly venueOrderId: string;
  readonly clientRef: string;
  readonly symbolId: number;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly price: number;
  readonly fee: number;
  /** Venue time of the fill, epoch ms. */
  readonly timeMs: number;
}

export interface VenueListener {
  connected(accounts: readonly string[]): void;
  disconnected(reason: string): void;
  order(o: VenueOrder): void;
  fill(f: VenueFill): void;
}

export interface VenuePort {
  connect(listener: VenueListener): Promise<void>;
  close(): Promise<void>;
  /** Resolves once the request is written to the venue (the contract's "ok = sent"); the outcome arrives as events. */
  submit(o: Omit<VenueOrder, 'venueOrderId' | 'state' | 'filledQty'>): Promise<string>;
  cancel(venueOrderId: string): Promise<void>;
}
