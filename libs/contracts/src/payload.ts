/**
 * NATS' default max_payload is 1 MiB; every message we publish stays below it with room for headers. Chunked
 * replies (history) aim at DEFAULT_CHUNK_BYTES so a server configured lower still works.
 */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
export const DEFAULT_CHUNK_BYTES = 256 * 1024;
/**
 * Largest request body a service accepts (JSON bytes), unless its catalog entry says otherwise
 * (`maxRequestBytes`). Far above any real request (100 instruments in one md.snapshot are ~15 KiB) and far below
 * max_payload, so a runaway or hostile body is refused with PAYLOAD_TOO_LARGE before it is parsed.
 */
export const MAX_REQUEST_BYTES = 64 * 1024;

/** UTF-8 size of a value's JSON encoding, in bytes. */
export function jsonByteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * Splits items into consecutive groups whose JSON size (items plus `envelopeBytes` for the message around them)
 * stays within `maxBytes`. Order is kept; an item too large on its own gets a group of its own (the publisher's
 * payload check then refuses it with PAYLOAD_TOO_LARGE instead of the data silently vanishing).
 */
export function chunkBySize<T>(items: readonly T[], maxBytes = DEFAULT_CHUNK_BYTES, envelopeBytes = 1024): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = envelopeBytes;
  for (const item of items) {
    const itemBytes = jsonByteLength(item) + 1;
    if (current.length > 0 && size + itemBytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = envelopeBytes;
    }
    current.push(item);
    size += itemBytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
