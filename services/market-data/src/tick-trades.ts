import type { Tick } from '@trading-system/contracts';
import { volumeDelta } from './volume.js';

/**
 * The FALLBACK for lines whose gateway announces no exact trades (`md.trade.*`, see README "Bars"): an index, a
 * replaying paper broker, an older gateway. Turns the conflated L1 state stream of one instrument (`md.tick.*`: each message is the FULL state after a
 * change) into trades, pure. Rules (README.md, "Bars"):
 * - with a cumulative session `volume`: a trade happened when volume went UP; its size is the increase, its price
 *   the tick's `last`, its time the tick's `tsEventMs`. Several trades conflated into one message become one trade
 *   of their summed size at the latest price (the volume stays exact; an intermediate extreme may be missed);
 * - volume going DOWN means a new session / reset at the broker: the new volume is counted as traded since the
 *   reset, and `reset` is set so the bars of the line get the gap flag;
 * - without volume (some feeds): a trade is a change of `last` or `lastSize`, of size `lastSize`;
 * - the first message of a line is the baseline and is never a trade (its volume happened before we looked).
 * One extractor object is reused: `next` fills the public fields and allocates nothing but the size string.
 */
export class TradeExtractor {
  price = '';
  priceNum = 0;
  size = '0';
  tsMs = 0;
  /** True when the volume just went down (reset); cleared by the next call. */
  reset = false;
  /** Volume increases that came without a last price (not turned into trades). */
  unpriced = 0;
  private seen = false;
  private prevVolume: string | undefined;
  private prevLast: string | undefined;
  private prevLastSize: string | undefined;

  /** True when `t` carries a trade; then price/priceNum/size/tsMs describe it. */
  next(t: Tick): boolean {
    this.reset = false;
    const first = !this.seen;
    this.seen = true;
    const last = t.last;
    const volume = t.volume;
    let size: string | undefined;
    if (volume !== undefined) {
      const prev = this.prevVolume;
      this.prevVolume = volume;
      if (prev === undefined || volume === prev) return false;
      const d = volumeDelta(volume, prev);
      if (d === undefined) {
        this.reset = true;
        size = volume;
      } else size = d;
      if (size === '0') return false;
      if (last === undefined) {
        this.unpriced++;
        return false;
      }
    } else {
      const changed = last !== this.prevLast || t.lastSize !== this.prevLastSize;
      this.prevLast = last;
      this.prevLastSize = t.lastSize;
      if (first || !changed || last === undefined) return false;
      size = t.lastSize ?? '0';
    }
    if (last !== this.price) {
      this.price = last;
      this.priceNum = Number(last);
    }
    this.size = size;
    this.tsMs = t.tsEventMs;
    return true;
  }
}
