import { z } from 'zod';

/**
 * What historical bars are built from (IB whatToShow). TRADES: trade prices (volume in shares/contracts);
 * MIDPOINT/BID/ASK: quotes (no volume); BID_ASK: open = average bid, close = average ask, high = max ask,
 * low = min bid; ADJUSTED_LAST: trades adjusted for splits and dividends (end time must be "now").
 * CASH (forex) has no TRADES: use MIDPOINT.
 */
export const WhatToShow = z.enum(['TRADES', 'MIDPOINT', 'BID', 'ASK', 'BID_ASK', 'ADJUSTED_LAST']);
export type WhatToShow = z.infer<typeof WhatToShow>;
