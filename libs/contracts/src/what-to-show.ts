import { z } from 'zod';

/**
 * What historical bars are built from (IB whatToShow). TRADES: trade prices (volume in shares/contracts);
 * MIDPOINT/BID/ASK: quotes (no volume); BID_ASK: open = average bid, close = average ask, high = max ask,
 * low = min bid; ADJUSTED_LAST: trades adjusted for splits and dividends (end time must be "now").
 * CASH (forex) and CMDTY (spot metals) have no trades at IB: their bars are quotes (MIDPOINT by default).
 */
export const WhatToShow = z.enum(['TRADES', 'MIDPOINT', 'BID', 'ASK', 'BID_ASK', 'ADJUSTED_LAST']);
export type WhatToShow = z.infer<typeof WhatToShow>;

/** Security types whose historical data IB builds from quotes only (no trade prints). */
const QUOTE_ONLY_SEC_TYPES: ReadonlySet<string> = new Set(['CASH', 'CMDTY']);
const QUOTE_TYPES: readonly WhatToShow[] = ['MIDPOINT', 'BID', 'ASK', 'BID_ASK'];

/**
 * The whatToShow a request without one gets, as IB users expect: MIDPOINT for forex and spot metals (CASH,
 * CMDTY: IB has no TRADES for them and answers "No historical market data"), TRADES for everything else.
 */
export function defaultWhatToShow(secType: string): WhatToShow {
  return QUOTE_ONLY_SEC_TYPES.has(secType) ? 'MIDPOINT' : 'TRADES';
}

/** The whatToShow values IB serves for a security type: quotes only for CASH and CMDTY, every type otherwise. */
export function supportedWhatToShow(secType: string): readonly WhatToShow[] {
  return QUOTE_ONLY_SEC_TYPES.has(secType) ? QUOTE_TYPES : WhatToShow.options;
}
