/**
 * What a gateway hands the broker conformance suite: a running gateway with its broker, reached only over the bus
 * contract of libs/contracts, plus the few hooks a test needs that the contract does not offer (cut the broker link,
 * make the broker fill an order while the link is cut). Everything service-specific comes in through here: testkit
 * is a lib and never imports a service.
 */
import type { Bus } from '@trading-system/bus';
import type { InstrumentRef, SecType, WhatToShow } from '@trading-system/contracts';

/**
 * What the gateway's test knows about its broker that the broker does not announce: an instrument to prove each
 * asset class with, how its fills can be provoked, where it runs. What the broker takes and serves is NOT declared
 * here: the suite reads it from the broker's own status (`BrokerStatus.capabilities`) and holds the gateway to it,
 * so the announcement the OMS validates against is the one proven here: everything announced must work, everything
 * else must be refused.
 */
export interface ConformanceSetup {
  /**
   * A reference to qualify per asset class the broker may announce: qualifying it must give instruments of that
   * class. A class the broker announces without a reference here fails the suite (an unproven claim).
   */
  readonly instruments: Readonly<Partial<Record<SecType, InstrumentRef>>>;
  /**
   * A quantity larger than the broker ever shows at the touch of the order instrument, when its IOC orders fill
   * only what is shown (a partial fill, the rest cancelled) and its FOK orders of that size fill nothing. Absent:
   * the broker cannot be made to fill partially, and the suite does not try.
   */
  readonly partialFillQuantity?: string;
  /** The price series the historical request asks for (default TRADES). */
  readonly historyWhatToShow?: WhatToShow;
  /**
   * Where the broker runs. `remote` (default): behind a link the test can cut (`cutLink`, `restoreLink`,
   * `fillWhileCut` required); the suite proves that fills made while the link was down are reported after the
   * reconnect, once, and that ticks resume. `in-process`: the broker lives inside the gateway (a paper broker), so
   * there is no link to lose and those scenarios cannot apply; instead the target must give `restartGateway`, and
   * the suite proves that a restart of the gateway loses no open order and duplicates no fill.
   */
  readonly brokerLink?: 'remote' | 'in-process';
  /**
   * The broker type the gateway hosts (contracts brokers/): its status must then carry `details` of that type.
   * Absent: a type the contract does not know yet (a skeleton), whose status may carry no details.
   */
  readonly brokerType?: string;
}

/** A running gateway + broker under test. */
export interface ConformanceTarget {
  /** The broker connection's name: the suite talks on `broker.<broker>.*` only. */
  readonly broker: string;
  /**
   * The token the gateway serves its commands under (`gateway.<type>.cmd.*`, its GATEWAY_TYPE); when given, the
   * broker's status and info must name it (`gatewayType`), whatever the broker type.
   */
  readonly gatewayType?: string;
  /** A bus connected to the NATS server the gateway uses (the suite creates its own consumers on it). */
  readonly bus: Bus;
  /** The trading account orders go to; the broker must report it in its status. */
  readonly account: string;
  /**
   * The instrument the order scenarios trade, by instrumentId (liquid, open now, priced in the account's currency). Its
   * asset class must be one the broker announces, and it must start flat.
   */
  readonly orderInstrument: { readonly id: string; readonly exchange?: string };
  /** Quantity of one order in the scenarios (whole units). */
  readonly orderQuantity: string;
  /** A second instrument with live quotes now (market-data scenarios watch it beside the order instrument). */
  readonly quoteInstrument: { readonly id: string };
  /**
   * The broker's own clock now, epoch ms (a simulator's clock, which may run at another time than ours): the suite
   * holds the broker time the gateway announces (BrokerStatus.brokerTimeMs) to it, within BROKER_TIME_TOLERANCE_MS.
   * Absent: the suite checks only that a broker time is announced.
   */
  brokerNow?(): number;
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
   * Required when the broker announces DAY and GTC limit orders (the suite fails without it). The suite calls it last
   * (the market is closed afterwards).
   */
  endSession?(): Promise<void>;
  /** Stops the gateway and the broker and releases everything. */
  stop(): Promise<void>;
}

export interface ConformanceFactory {
  /** Names the gateway in test titles (`gateway-ib on ib-sim`). */
  readonly name: string;
  /** Known before start: which scenarios apply (the broker link) and what proves its claims. */
  readonly setup: ConformanceSetup;
  start(): Promise<ConformanceTarget>;
}
