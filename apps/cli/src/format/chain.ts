/** The option chain table of `chain`: one row per strike, calls left and puts right. Pure. */
import type { MdSnapshotReply, Tick } from '@trading-system/contracts';
import type { Column } from './table.js';

type Item = Extract<MdSnapshotReply, { ok: true }>['items'][number];

export interface ChainRow {
  readonly expiry: string;
  readonly strike: string;
  readonly call: Item | undefined;
  readonly put: Item | undefined;
}

/** One side of a row in the JSON form: the quote and greeks, or why there is none. */
export interface ChainSide {
  readonly instrumentId?: string;
  readonly bid?: string;
  readonly ask?: string;
  readonly last?: string;
  readonly iv?: number;
  readonly delta?: number;
  readonly gamma?: number;
  readonly vega?: number;
  readonly theta?: number;
  readonly underlyingPrice?: number;
  readonly code?: string;
}

export function chainSide(item: Item | undefined): ChainSide | undefined {
  if (item === undefined) return undefined;
  if (!item.ok) return { code: item.code };
  const t: Tick = item.tick;
  const g = t.greeks ?? {};
  return Object.fromEntries(
    Object.entries({
      instrumentId: t.instrumentId,
      bid: t.bid,
      ask: t.ask,
      last: t.last,
      iv: g.iv,
      delta: g.delta,
      gamma: g.gamma,
      vega: g.vega,
      theta: g.theta,
      underlyingPrice: g.underlyingPrice,
    }).filter(([, v]) => v !== undefined),
  ) as ChainSide;
}

const pct = (v: number | undefined): string | undefined => (v === undefined ? undefined : (v * 100).toFixed(1));
const fixed = (v: number | undefined, digits: number): string | undefined =>
  v === undefined ? undefined : v.toFixed(digits);
const side = (item: Item | undefined) => (item?.ok ? item.tick : undefined);

export const chainColumns: readonly Column<ChainRow>[] = [
  { header: 'call bid', value: (r) => side(r.call)?.bid },
  { header: 'call ask', value: (r) => side(r.call)?.ask },
  { header: 'call IV%', value: (r) => pct(side(r.call)?.greeks?.iv) },
  { header: 'call delta', value: (r) => fixed(side(r.call)?.greeks?.delta, 3) },
  { header: 'strike', value: (r) => r.strike },
  { header: 'put bid', value: (r) => side(r.put)?.bid },
  { header: 'put ask', value: (r) => side(r.put)?.ask },
  { header: 'put IV%', value: (r) => pct(side(r.put)?.greeks?.iv) },
  { header: 'put delta', value: (r) => fixed(side(r.put)?.greeks?.delta, 3) },
];
