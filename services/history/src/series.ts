import type { IbBarSize, WhatToShow } from '@trading-system/contracts';

/** One cached bar series: the key of bars and coverage rows. `barSize` is the IB bar size actually fetched. */
export interface SeriesKey {
  readonly broker: string;
  readonly conId: number;
  readonly barSize: IbBarSize;
  readonly whatToShow: WhatToShow;
  readonly useRth: boolean;
}

export function seriesId(s: SeriesKey): string {
  return `${s.broker}|${s.conId}|${s.barSize}|${s.whatToShow}|${s.useRth}`;
}
