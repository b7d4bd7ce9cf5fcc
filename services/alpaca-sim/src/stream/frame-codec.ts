/**
 * The two encodings of Alpaca's market-data stream. A client picks one with the `Content-Type` header of its
 * upgrade request: `application/msgpack` (what Alpaca's SDKs send: alpaca-trade-api-js, alpaca-py) gets
 * MessagePack on binary frames, anything else JSON on text frames. The messages are the same maps either way,
 * except that in MessagePack a data message's `t` is a Timestamp extension value (type −1) rather than an RFC 3339
 * string: alpaca-py calls `msg["t"].to_datetime()` and the JS SDK's msgpack5 hands out a `Date`.
 */
import type { IncomingMessage } from 'node:http';
import { decode, encode } from '@msgpack/msgpack';

export type StreamEncoding = 'json' | 'msgpack';

export class FrameDecodeError extends Error {
  override readonly name = 'FrameDecodeError';
}

export interface FrameCodec {
  readonly encoding: StreamEncoding;
  encode(messages: readonly Record<string, unknown>[]): string | Uint8Array;
  /** The client's message; FrameDecodeError when the frame is not one (the stream answers 400 invalid syntax). */
  decode(data: Buffer, isBinary: boolean): unknown;
}

/** Message types whose `t` is an instant (the control messages `success`, `error`, `subscription` have none). */
const TIMED = new Set(['t', 'q', 'b', 'u', 'd', 's', 'l', 'c', 'x', 'o', 'n']);

function decodeJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new FrameDecodeError('frame is not JSON', { cause: err });
  }
}

const json: FrameCodec = {
  encoding: 'json',
  encode: (messages) => JSON.stringify(messages),
  decode: (data) => decodeJson(data),
};

function withTimestamp(m: Record<string, unknown>): Record<string, unknown> {
  if (typeof m.T !== 'string' || !TIMED.has(m.T) || typeof m.t !== 'string') return m;
  // A Date encodes as the Timestamp extension; the sim's instants are whole milliseconds, so nothing is lost.
  return { ...m, t: new Date(Date.parse(m.t)) };
}

const msgpack: FrameCodec = {
  encoding: 'msgpack',
  encode: (messages) => encode(messages.map(withTimestamp)),
  decode: (data, isBinary) => {
    // The SDKs send MessagePack on binary frames; a text frame is still read as JSON, as a hand-typed test would send.
    if (!isBinary) return decodeJson(data);
    try {
      return decode(data);
    } catch (err) {
      throw new FrameDecodeError('frame is not MessagePack', { cause: err });
    }
  },
};

export function codecFor(req: IncomingMessage): FrameCodec {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  return type === 'application/msgpack' ? msgpack : json;
}
