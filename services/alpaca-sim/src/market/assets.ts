/**
 * The asset catalogue: a few US stocks and crypto pairs, each with Alpaca's asset fields and the numbers the
 * exchange core needs. Asset ids are stable UUIDs derived from the symbol (not Alpaca's real ids).
 *
 * Quantities reach the core in integer units of 1/QTY_SCALE (the core matches whole units), so fractional shares
 * and coins down to 0.0001 work; prices reach it divided by QTY_SCALE so that units × price stays the money value.
 */
import { stableUuid } from './hash.js';

export const QTY_DECIMALS = 4;
export const QTY_SCALE = 10 ** QTY_DECIMALS;

export type AssetClass = 'us_equity' | 'crypto';

export interface Asset {
  readonly id: string;
  readonly conId: number;
  readonly symbol: string;
  readonly class: AssetClass;
  readonly exchange: string;
  readonly name: string;
  readonly basePrice: number;
  /** Price increment (Alpaca: $0.01 for stocks at or above $1). */
  readonly tick: number;
  readonly fractionable: boolean;
  readonly shortable: boolean;
  readonly marginable: boolean;
  /** Annualised-ish volatility knob of the price path. */
  readonly vol: number;
  /** Crypto only: smallest order and quantity step, as Alpaca publishes them (strings). */
  readonly minOrderSize?: string;
  readonly minTradeIncrement?: string;
}

interface Row {
  readonly symbol: string;
  readonly exchange: string;
  readonly name: string;
  readonly basePrice: number;
  readonly vol: number;
}

const STOCKS: readonly Row[] = [
  { symbol: 'AAPL', exchange: 'NASDAQ', name: 'Apple Inc. Common Stock', basePrice: 190, vol: 1 },
  { symbol: 'MSFT', exchange: 'NASDAQ', name: 'Microsoft Corporation Common Stock', basePrice: 410, vol: 0.9 },
  { symbol: 'SPY', exchange: 'ARCA', name: 'SPDR S&P 500 ETF Trust', basePrice: 510, vol: 0.6 },
  { symbol: 'QQQ', exchange: 'NASDAQ', name: 'Invesco QQQ Trust, Series 1', basePrice: 440, vol: 0.7 },
  { symbol: 'TSLA', exchange: 'NASDAQ', name: 'Tesla, Inc. Common Stock', basePrice: 180, vol: 2 },
  { symbol: 'NVDA', exchange: 'NASDAQ', name: 'NVIDIA Corporation Common Stock', basePrice: 850, vol: 1.8 },
  { symbol: 'AMZN', exchange: 'NASDAQ', name: 'Amazon.com, Inc. Common Stock', basePrice: 175, vol: 1.2 },
  { symbol: 'IBM', exchange: 'NYSE', name: 'International Business Machines Corporation', basePrice: 185, vol: 0.8 },
];

const CRYPTO: readonly (Row & { minOrderSize: string })[] = [
  {
    symbol: 'BTC/USD',
    exchange: 'CRYPTO',
    name: 'Bitcoin / US Dollar',
    basePrice: 62_000,
    vol: 2.5,
    minOrderSize: '0.0001',
  },
  {
    symbol: 'ETH/USD',
    exchange: 'CRYPTO',
    name: 'Ethereum / US Dollar',
    basePrice: 3_200,
    vol: 3,
    minOrderSize: '0.001',
  },
];

function build(): Asset[] {
  const stocks = STOCKS.map(
    (r, i): Asset => ({
      ...r,
      id: stableUuid(`asset:${r.symbol}`),
      conId: 1_000 + i,
      class: 'us_equity',
      tick: 0.01,
      fractionable: true,
      shortable: true,
      marginable: true,
    }),
  );
  const crypto = CRYPTO.map(
    (r, i): Asset => ({
      ...r,
      id: stableUuid(`asset:${r.symbol}`),
      conId: 2_000 + i,
      class: 'crypto',
      tick: 0.01,
      fractionable: true,
      shortable: false,
      marginable: false,
      minTradeIncrement: (1 / QTY_SCALE).toFixed(QTY_DECIMALS),
    }),
  );
  return [...stocks, ...crypto];
}

export class AssetCatalog {
  readonly all: readonly Asset[] = build();
  private readonly bySymbol = new Map<string, Asset>();
  private readonly byId = new Map<string, Asset>();

  constructor() {
    for (const a of this.all) {
      this.bySymbol.set(a.symbol, a);
      // Positions name crypto without the slash (BTCUSD); both spellings find the asset.
      if (a.class === 'crypto') this.bySymbol.set(a.symbol.replace('/', ''), a);
      this.byId.set(a.id, a);
    }
  }

  /** By symbol (either crypto spelling) or asset id. */
  find(symbolOrId: string): Asset | undefined {
    return this.bySymbol.get(symbolOrId.toUpperCase()) ?? this.byId.get(symbolOrId.toLowerCase());
  }

  /** By asset id exactly as the catalog holds it (the exchange core's instrument key). */
  byIdOf(id: string): Asset | undefined {
    return this.byId.get(id);
  }
}

/** Symbol as Alpaca writes it on a position (crypto without the slash). */
export function positionSymbol(asset: Asset): string {
  return asset.class === 'crypto' ? asset.symbol.replace('/', '') : asset.symbol;
}
