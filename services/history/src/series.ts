import type { WhatToShow } from '@trading-system/contracts';

/** One cached bar series: the key of bars and coverage rows. `timeframe` is the bar size actually fetched. */
export interface SeriesKey {
  readonly broker: string;
  readonly instrumentId: string;
  readonly timeframe: string;
  readonly whatToShow: WhatToShow;
  readonly useRth: boolean;
}

export function seriesId(s: SeriesKey): string {
  return `${s.broker}|${s.instrumentId}|${s.timeframe}|${s.whatToShow}|${s.useRth}`;
}
