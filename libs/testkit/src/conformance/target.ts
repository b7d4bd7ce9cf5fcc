/**
 * What a gateway hands the broker conformance suite: a running gateway with its broker, reached only over the bus
 * contract of libs/contracts, plus the few hooks a test needs that the contract does not offer (cut the broker link,
 * make the broker fill an order while the link is cut). Everything service-specific comes in through here: testkit
 * is a lib and never imports a service.
 */
import type { Bus } from '@trading-system/bus';
import type {
  FetchHistoryRequest,
  InstrumentRef,
  OrderType,
  SecType,
  TimeInForce,
  WhatToShow,
} from '@trading-system/contracts';

/** Asset classes a broker may claim, and the secType a qualified instrument of each must carry. */
export const ASSET_CLASS_SEC_TYPES = {
  stock: 'STK',
  forex: 'CASH',
  future: 'FUT',
  option: 'OPT',
  commodity: 'CMDTY',
} as const satisfies Record<string, SecType>;
export type AssetClass = keyof typeof ASSET_CLASS_SEC_TYPES;

/**
 * What the broker claims to support. Issue 16 item 2 wants the broker to announce this in its status message;
 * until it does (BrokerStatus has no capabilities today), the gateway's test declares it here, and the suite holds
 * the gateway to it: everything claimed must work, and what is not claimed must be refused.
 */
export interface DeclaredCapabilities {
  /** One reference per claimed asset class; qualifying it must give at least one instrument of that class. */
  readonly assetClasses: Readonly<Partial<Record<AssetClass, InstrumentRef>>>;
  /** Claimed time-in-force values per order type; a type absent here, or a TIF not listed, must be refused. */
  readonly orderTypes: Readonly<Partial<Record<OrderType, readonly TimeInForce[]>>>;
  /** False: a quantity of 0.5 must be refused. */
  readonly fractionalQuantity: boolean;
  /**
   * A quantity larger than the broker ever shows at the touch of the order instrument, when its IOC orders fill
   * only what is shown (a partial fill, the rest cancelled) and its FOK orders of that size fill nothing. Absent:
   * the broker cannot be made to fill partially, and the suite does not try.
   */
  readonly partialFillQuantity?: string;
  /** One historical request within the broker's limits (bar size, duration) that must be answered with bars. */
  readonly history: Pick<FetchHistoryRequest, 'duration' | 'barSize' | 'useRth'> & { readonly whatToShow: WhatToShow };
  /**
   * Where the broker runs. `remote` (default): behind a link the test can cut (`cutLink`, `restoreLink`,
   * `fillWhileCut` required); the suite proves that fills made while the link was down are reported after the
   * reconnect, once, and that ticks resume. `in-process`: the broker lives inside the gateway (a paper broker), so
   * there is no link to lose and those scenarios cannot apply; instead the target must give `restartGateway`, and
   * the suite proves that a restart of the gateway loses no open order and duplicates no fill.
   */
  readonly brokerLink?: 'remote' | 'in-process';
}

/** A running gateway + broker under test. */
export interface ConformanceTarget {
  /** The broker connection's name: the suite talks on `broker.<broker>.*` only. */
  readonly broker: string;
  /** A bus connected to the NATS server the gateway uses (the suite creates its own consumers on it). */
  readonly bus: Bus;
  /** The trading account orders go to; the broker must report it in its status. */
  readonly account: string;
  /**
   * The instrument the order scenarios trade, by conId (liquid, open now, priced in the account's currency). It
   * must be one of the claimed asset classes' instruments and start flat.
   */
  readonly orderInstrument: { readonly conId: number; readonly exchange?: string };
  /** Quantity of one order in the scenarios (whole units). */
  readonly orderQuantity: string;
  /** A second instrument with live quotes now (market-data scenarios watch it beside the order instrument). */
  readonly quoteInstrument: { readonly conId: number };
  /** Cuts the gateway↔broker link and keeps it cut: the broker keeps working (orders rest and fill). Remote only. */
  cutLink?(): Promise<void>;
  /** Lets the gateway reach the broker again (it reconnects on its own). Remote only. */
  restoreLink?(): Promise<void>;
  /**
   * While the link is cut: makes the broker fill these resting limit orders (by clientOrderId), e.g. by moving its
   * market to them; one the market reached just before the cut is filled already and stays as it is. Remote only.
   */
  fillWhileCut?(clientOrderIds: readonly string[]): Promise<void>;
  /**
   * In-process brokers: stops the gateway and starts it again on the same state (its database), as a crash and a
   * restart would. Resolves once the new instance serves commands.
   */
  restartGateway?(): Promise<void>;
  /**
   * Moves the broker past the end of the order instrument's current regular session, so its DAY orders expire.
   * Required when the gateway claims DAY and GTC limit orders (the suite fails without it). The suite calls it last
   * (the market is closed afterwards).
   */
  endSession?(): Promise<void>;
  /** Stops the gateway and the broker and releases everything. */
  stop(): Promise<void>;
}

export interface ConformanceFactory {
  /** Names the gateway in test titles (`gateway-ib on ib-sim`). */
  readonly name: string;
  /** Known before start: the suite's test list is built from it. */
  readonly capabilities: DeclaredCapabilities;
  start(): Promise<ConformanceTarget>;
}
