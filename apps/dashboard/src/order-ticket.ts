/**
 * The order ticket's request: what the page may ask for, checked before it reaches the SDK. The OMS validates and
 * risk-checks again (the dashboard is one client among many); this only keeps a malformed form from becoming a
 * confusing error further in.
 */
import { z } from 'zod';

export const OrderTicket = z.object({
  broker: z.string().min(1).max(64),
  symbol: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z0-9.]{1,12}$/),
  side: z.enum(['BUY', 'SELL']),
  quantity: z.string().regex(/^\d+(\.\d+)?$/),
  orderType: z.enum(['LMT', 'MKT']),
  limitPrice: z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .optional(),
  tif: z.enum(['DAY', 'GTC', 'IOC']).default('DAY'),
});
export type OrderTicket = z.infer<typeof OrderTicket>;
