/**
 * TWS API framing (spec §1.1–1.2): every message after the handshake is `uint32 BE length` + payload, the
 * payload being NUL-terminated ASCII fields. The client opens with the literal `API\0` followed by one
 * length-prefixed version string. Messages may be split or merged across TCP reads; `FrameDecoder` buffers.
 */

/** Clients refuse messages above this size (J `EDecoder.MAX_MSG_LENGTH`); we refuse them from clients too. */
export const MAX_MESSAGE_LENGTH = 0xffffff;

export class FramingError extends Error {
  override readonly name = 'FramingError';
}

/** Encodes one message: every field (including the last) NUL-terminated, length-prefixed. ASCII only. */
export function encodeFrame(fields: readonly string[]): Buffer {
  let payloadLength = 0;
  for (const field of fields) payloadLength += field.length + 1;
  const out = Buffer.allocUnsafe(4 + payloadLength);
  out.writeUInt32BE(payloadLength, 0);
  let offset = 4;
  for (const field of fields) {
    for (let i = 0; i < field.length; i++) {
      const code = field.charCodeAt(i);
      // Clients decode Latin-1 (J) or UTF-8 (TS/PY); only 7-bit ASCII is read identically by all of them.
      if (code === 0 || code > 0x7f) throw new FramingError(`non-ASCII or NUL character in outgoing field`);
      out[offset++] = code;
    }
    out[offset++] = 0;
  }
  return out;
}

/** Splits a payload into its fields; the trailing empty element after the last NUL is dropped. */
export function splitFields(payload: Buffer): string[] {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < payload.length; i++) {
    if (payload[i] === 0) {
      fields.push(payload.toString('latin1', start, i));
      start = i + 1;
    }
  }
  if (start !== payload.length) throw new FramingError('last field is not NUL-terminated');
  return fields;
}

/** Incremental decoder of length-prefixed frames. */
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  /** Appends bytes and returns every complete payload now available. Throws FramingError on a bad length. */
  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const payloads: Buffer[] = [];
    let offset = 0;
    while (this.buffer.length - offset >= 4) {
      const length = this.buffer.readUInt32BE(offset);
      if (length > MAX_MESSAGE_LENGTH) throw new FramingError(`message length ${length} exceeds ${MAX_MESSAGE_LENGTH}`);
      if (this.buffer.length - offset - 4 < length) break;
      payloads.push(this.buffer.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    this.buffer = offset === 0 ? this.buffer : this.buffer.subarray(offset);
    return payloads;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Hands over (and forgets) the buffered bytes, e.g. the first frames that arrived with the handshake. */
  drain(): Buffer {
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    return rest;
  }
}

export interface ClientHello {
  readonly minVersion: number;
  readonly maxVersion: number;
  /** e.g. `+PACEAPI`; empty when absent. */
  readonly connectOptions: string;
}

export type HandshakeResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'hello'; readonly hello: ClientHello; readonly rest: Buffer };

const HELLO_PREFIX = Buffer.from('API\0', 'latin1');
const VERSION_RE = /^v(\d+)(?:\.\.(\d+))?(?: (.*))?$/;

/** Parses `API\0` + uint32 length + `v<min>..<max>[ opts]` from the start of `data`. */
export function parseHandshake(data: Buffer): HandshakeResult {
  const prefixLength = Math.min(data.length, 4);
  if (!data.subarray(0, prefixLength).equals(HELLO_PREFIX.subarray(0, prefixLength))) {
    return { kind: 'invalid', reason: 'client did not start with API\\0 (pre-v100 client)' };
  }
  if (data.length < 8) return { kind: 'incomplete' };
  const length = data.readUInt32BE(4);
  if (length > 1024) return { kind: 'invalid', reason: `handshake version string of ${length} bytes` };
  if (data.length < 8 + length) return { kind: 'incomplete' };
  const text = data.toString('latin1', 8, 8 + length);
  const match = VERSION_RE.exec(text);
  if (!match) return { kind: 'invalid', reason: `unparseable version string ${JSON.stringify(text)}` };
  const minVersion = Number(match[1]);
  const maxVersion = match[2] === undefined ? minVersion : Number(match[2]);
  return {
    kind: 'hello',
    hello: { minVersion, maxVersion, connectOptions: match[3] ?? '' },
    rest: data.subarray(8 + length),
  };
}
