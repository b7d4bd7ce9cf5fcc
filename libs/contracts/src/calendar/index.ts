export * from './bar-buckets.js';
export * from './calendar.js';
export * from './calendars.js';
export { dayFromIso, type IsoDate, isoFromDay } from './days.js';
export type { SpecialKind } from './rules.js';
