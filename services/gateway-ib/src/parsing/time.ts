/** TWS time strings → epoch ms. */

export class TwsTimeError extends Error {
  override readonly name = 'TwsTimeError';
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of `zone` from UTC at instant `utcMs`, ms (positive east of Greenwich). */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  let f = offsetFormatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch (err) {
      throw new TwsTimeError(`unknown time zone "${zone}"`, { cause: err });
    }
    offsetFormatters.set(zone, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(utcMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return asUtc - Math.floor(utcMs / 1000) * 1000;
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
  const first = local - zoneOffsetMs(zone, local);
  return local - zoneOffsetMs(zone, first);
}

/** IB ExecutionFilter time in the unambiguous UTC form `yyyyMMdd-HH:mm:ss`. */
export function toIbUtcTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 19)}`;
}
