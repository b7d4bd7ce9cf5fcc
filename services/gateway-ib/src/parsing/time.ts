/** TWS time strings → epoch ms; the zone arithmetic is contracts' zoned-time. */
import { isValidZone, localToInstant } from '@trading-system/contracts';

export class TwsTimeError extends Error {
  override readonly name = 'TwsTimeError';
}

/**
 * `yyyyMMdd HH:mm:ss[ Zone]` (execution and completion times; the zone is TWS's login zone, e.g. US/Eastern),
 * `yyyyMMdd-HH:mm:ss` (UTC) or epoch seconds → epoch ms. Without a zone the time is read in `defaultZone`.
 */
export function parseTwsTime(s: string, defaultZone = 'UTC'): number {
  const t = s.trim();
  if (/^\d{9,11}$/.test(t)) return Number(t) * 1000;
  const m = /^(\d{4})(\d{2})(\d{2})([ -])\s*(\d{2}):(\d{2}):(\d{2})(?:\s+(\S+))?$/.exec(t);
  if (m === null) throw new TwsTimeError(`unrecognised TWS time "${s}"`);
  const [, y, mo, d, sep, h, mi, se, zoneText] = m;
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se));
  const zone = sep === '-' ? 'UTC' : (zoneText ?? defaultZone);
  if (zone === 'UTC' || zone === 'GMT') return local;
  if (!isValidZone(zone)) throw new TwsTimeError(`unknown time zone "${zone}" in TWS time "${s}"`);
  return localToInstant(zone, local);
}

/** IB ExecutionFilter time in the unambiguous UTC form `yyyyMMdd-HH:mm:ss`. */
export function toIbUtcTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 19)}`;
}
