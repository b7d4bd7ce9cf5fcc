/**
 * Field-level encoding rules (spec §1.4). Incoming fields are parsed leniently because the three client
 * families differ (`""`, `2147483647`, `1.7976931348623157E308`, `Infinite` all mean "unset" somewhere);
 * outgoing fields are formatted the way every decoder accepts (integers for counts, plain decimals).
 */

export const UNSET_INT = 2147483647;
export const UNSET_DOUBLE_TEXT = '1.7976931348623157E308';

/** A client message whose fields cannot be read; the session answers with TWS's error 320 and closes. */
export class MessageParseError extends Error {
  override readonly name = 'MessageParseError';
  constructor(
    message: string,
    readonly messageId: number,
  ) {
    super(message);
  }
}

/** Sequential reader over one client message's fields (the message id already consumed). */
export class FieldReader {
  private index = 1;

  constructor(
    private readonly fields: readonly string[],
    readonly messageId: number,
  ) {}

  get remaining(): number {
    return this.fields.length - this.index;
  }

  private next(): string {
    const value = this.fields[this.index];
    if (value === undefined) throw this.fail('message ended early');
    this.index++;
    return value;
  }

  /** Reads a field that may be absent at the end of older clients' messages. */
  optionalStr(): string {
    return this.remaining > 0 ? this.next() : '';
  }

  str(): string {
    return this.next();
  }

  skip(count = 1): void {
    for (let i = 0; i < count; i++) this.next();
  }

  /** Integer; `""` reads as 0 like TWS's readInt. */
  int(): number {
    const raw = this.next().trim();
    if (raw === '') return 0;
    if (!/^[-+]?\d+$/.test(raw)) throw this.fail(`For input string: "${raw}"`);
    return Number(raw);
  }

  /** Integer or undefined for `""` / `2147483647`. */
  intMax(): number | undefined {
    const raw = this.next().trim();
    if (raw === '' || raw === String(UNSET_INT)) return undefined;
    if (!/^[-+]?\d+$/.test(raw)) throw this.fail(`For input string: "${raw}"`);
    return Number(raw);
  }

  /** Double or undefined for `""` and the max-double sentinels. */
  doubleMax(): number | undefined {
    const raw = this.next().trim().toLowerCase();
    if (raw === '') return undefined;
    if (raw === 'infinite' || raw === 'infinity') return Number.POSITIVE_INFINITY;
    const value = Number(raw);
    if (Number.isNaN(value)) throw this.fail(`For input string: "${raw}"`);
    return value >= 1.7976931348623157e308 ? undefined : value;
  }

  /** Double where `""` means 0. */
  double(): number {
    return this.doubleMax() ?? 0;
  }

  bool(): boolean {
    const raw = this.next().trim().toLowerCase();
    if (raw === '' || raw === '0' || raw === 'false') return false;
    if (raw === '1' || raw === 'true') return true;
    if (/^[-+]?\d+$/.test(raw)) return Number(raw) !== 0;
    throw this.fail(`For input string: "${raw}"`);
  }

  fail(detail: string): MessageParseError {
    return new MessageParseError(detail, this.messageId);
  }
}

/** Formats a double the way TWS does for prices: plain decimal, no exponent, no float noise. */
export function fmtDouble(value: number): string {
  if (!Number.isFinite(value)) return UNSET_DOUBLE_TEXT;
  if (Number.isInteger(value)) return String(value);
  // 10 significant decimals removes binary noise (0.1+0.2) without losing FX pip precision.
  const text = value.toFixed(10).replace(/0+$/, '').replace(/\.$/, '');
  return text === '-0' ? '0' : text;
}

export function fmtInt(value: number): string {
  return String(Math.trunc(value));
}

export function fmtBool(value: boolean): string {
  return value ? '1' : '0';
}

/** Escapes non-ASCII characters as `\uXXXX` (clients un-escape error text and longName since sv 153). */
export function asciiEscape(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    out += code >= 0x20 && code < 0x7f ? ch : `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return out;
}
