import { type MsgHdrs, headers as natsHeaders } from '@nats-io/nats-core';
import type { Headers } from './bus.js';

/** Our headers → NATS headers; undefined when empty so header-less messages stay plain `PUB`s. */
export function toNatsHeaders(h: Headers): MsgHdrs | undefined {
  const keys = Object.keys(h);
  if (keys.length === 0) return undefined;
  const out = natsHeaders();
  for (const k of keys) out.set(k, h[k] as string);
  return out;
}

/** NATS headers → a frozen plain record (first value of each key). */
export function fromNatsHeaders(h: MsgHdrs | undefined): Headers {
  const out: Record<string, string> = {};
  if (h !== undefined) for (const k of h.keys()) out[k] = h.get(k);
  return Object.freeze(out);
}
