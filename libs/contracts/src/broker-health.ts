/**
 * The broker-neutral parts of a connection's health (BrokerStatus): its data feeds and the last notice its broker
 * gave about the connection. Every broker has data feeds (IB's farms, Alpaca's stream and REST, a paper broker's
 * quote source) and says something when its link breaks or comes back; each gateway words its broker's own signals
 * in these terms, and consumers branch on these words, never on a broker's own codes. Kept apart from
 * broker-status.ts so the broker type files (brokers/) can use them without importing the status they are part of.
 */
import { z } from 'zod';
import { EpochMs } from './common.js';

/** One data feed of the connection: a source of market data, historical data or reference data. */
export const FeedStatus = z.object({
  /** The feed's name as its broker names it (IB: a farm, `usfarm`; Alpaca: `stream`, `rest`). */
  name: z.string().min(1).max(64),
  kind: z.enum(['market', 'history', 'reference']).meta({
    description: 'market: live quotes; history: historical data; reference: instrument definitions',
  }),
  /** ok: serving; broken: down (the connection is degraded); inactive: idle but available on demand. */
  state: z.enum(['ok', 'broken', 'inactive']),
  /** When the feed last changed state, epoch ms. */
  sinceMs: EpochMs,
});
export type FeedStatus = z.infer<typeof FeedStatus>;

/**
 * What a notice means, whatever the broker's own code: connectivity-lost (the broker lost its link while our
 * session stays open: degraded); restored-data-lost (link back, live subscriptions gone: re-request them);
 * restored (link back, subscriptions intact); unreachable (nothing accepts connections where the connection points,
 * before any session: `hint` says what to start); refused (the gateway refuses the session, e.g. declared paper
 * but live accounts; it does not retry); other (anything else worth showing).
 */
export const NoticeKind = z.enum([
  'connectivity-lost',
  'restored-data-lost',
  'restored',
  'unreachable',
  'refused',
  'other',
]);
export type NoticeKind = z.infer<typeof NoticeKind>;

/** The last notice the connection's broker (or its gateway) gave about the connection. */
export const BrokerNotice = z.object({
  kind: NoticeKind,
  /** The broker's own code as text (IB `1100`, an HTTP status `503`, or the gateway's word), for people and logs. */
  code: z.string().min(1).max(64),
  message: z.string().max(2_000),
  /** What to do about it, for people (unreachable: what to start, and where). */
  hint: z.string().max(500).optional(),
  /** When the notice arrived, epoch ms. */
  atMs: EpochMs,
});
export type BrokerNotice = z.infer<typeof BrokerNotice>;
