/** How quotes look in the terminal: the snapshot table of `quote` and the one-line ticks of `watch`. Pure. */
import type { MdSnapshotReply } from '@trading-system/contracts';
import type { Quote } from '@trading-system/sdk';
import { type Column, formatTime } from './table.js';

type Item = Extract<MdSnapshotReply, { ok: true }>['items'][number];
export type QuoteRow = { readonly symbol: string } & Item;

const tick =
  <K extends 'bid' | 'ask' | 'last' | 'bidSize' | 'askSize' | 'volume'>(k: K) =>
  (r: QuoteRow) =>
    r.ok ? r.tick[k] : undefined;

export const quoteColumns: readonly Column<QuoteRow>[] = [
  { header: 'symbol', value: (r) => r.symbol },
  { header: 'instrument', value: (r) => (r.ok ? r.tick.instrumentId : undefined) },
  { header: 'bid', value: tick('bid') },
  { header: 'ask', value: tick('ask') },
  { header: 'last', value: tick('last') },
  { header: 'bid size', value: tick('bidSize') },
  { header: 'ask size', value: tick('askSize') },
  { header: 'volume', value: tick('volume') },
  { header: 'time (UTC)', value: (r) => (r.ok ? formatTime(r.tick.tsEventMs) : undefined) },
  { header: 'state', value: (r) => (r.ok ? `${r.state ?? 'live'}${r.tick.delayed ? ' (delayed)' : ''}` : r.code) },
];

/** `14:30:01.250  AAPL  bid 187.24 x 300  ask 187.26 x 200  last 187.25 x 100`. */
export function formatQuoteLine(q: Quote): string {
  const t = q.exact;
  const side = (label: string, px: string | undefined, size: string | undefined): string =>
    px === undefined ? '' : `  ${label} ${px}${size === undefined ? '' : ` x ${size}`}`;
  const time = new Date(q.time).toISOString().slice(11, 23);
  return `${time}  ${q.symbol}${side('bid', t.bid, t.bidSize)}${side('ask', t.ask, t.askSize)}${side('last', t.last, t.lastSize)}${q.delayed ? '  (delayed)' : ''}`;
}
