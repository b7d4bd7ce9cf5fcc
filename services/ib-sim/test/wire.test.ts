import { describe, expect, test } from 'vitest';
import { FieldReader, fmtDouble, MessageParseError } from '../src/wire/fields.js';
import { encodeFrame, FrameDecoder, FramingError, parseHandshake, splitFields } from '../src/wire/framing.js';

describe('framing', () => {
  test('encodes length-prefixed NUL-terminated fields', () => {
    const frame = encodeFrame(['9', '1', '42']);
    expect(frame.readUInt32BE(0)).toBe(7);
    expect(frame.subarray(4).toString('latin1')).toBe('9\x001\x0042\x00');
  });

  test('refuses non-ASCII output', () => {
    expect(() => encodeFrame(['caf\u00e9'])).toThrow(FramingError);
  });

  test('decodes messages split byte by byte and merged in one chunk', () => {
    const a = encodeFrame(['49', '1']);
    const b = encodeFrame(['8', '1', '1']);
    const all = Buffer.concat([a, b, a]);
    const split = new FrameDecoder();
    const got: string[][] = [];
    for (const byte of all) for (const p of split.push(Buffer.from([byte]))) got.push(splitFields(p));
    expect(got).toEqual([
      ['49', '1'],
      ['8', '1', '1'],
      ['49', '1'],
    ]);
    const merged = new FrameDecoder().push(all).map(splitFields);
    expect(merged).toEqual(got);
  });

  test('refuses oversized frames', () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0x1000000);
    expect(() => new FrameDecoder().push(header)).toThrow(FramingError);
  });

  test('parses the API handshake with and without a range and options', () => {
    const hello = (text: string): Buffer => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(text.length);
      return Buffer.concat([Buffer.from('API\0'), len, Buffer.from(text)]);
    };
    const r1 = parseHandshake(hello('v100..193'));
    expect(r1.kind === 'hello' && r1.hello).toEqual({ minVersion: 100, maxVersion: 193, connectOptions: '' });
    const r2 = parseHandshake(hello('v157..178 +PACEAPI'));
    expect(r2.kind === 'hello' && r2.hello).toEqual({ minVersion: 157, maxVersion: 178, connectOptions: '+PACEAPI' });
    const r3 = parseHandshake(hello('v176'));
    expect(r3.kind === 'hello' && r3.hello).toEqual({ minVersion: 176, maxVersion: 176, connectOptions: '' });
    expect(parseHandshake(hello('v100..193').subarray(0, 10)).kind).toBe('incomplete');
    expect(parseHandshake(Buffer.from('GET / HTTP/1.1')).kind).toBe('invalid');
  });
});

describe('field reader', () => {
  test('reads the lenient forms clients send', () => {
    const r = new FieldReader(
      ['1', '', '2147483647', '1.7976931348623157E308', '1.7976931348623157e+308', 'Infinite', '100.0', '1', '', '12'],
      1,
    );
    expect(r.int()).toBe(0);
    expect(r.intMax()).toBeUndefined();
    expect(r.doubleMax()).toBeUndefined();
    expect(r.doubleMax()).toBeUndefined();
    expect(r.doubleMax()).toBe(Number.POSITIVE_INFINITY);
    expect(r.double()).toBe(100);
    expect(r.bool()).toBe(true);
    expect(r.bool()).toBe(false);
    expect(r.int()).toBe(12);
    expect(() => r.str()).toThrow(MessageParseError);
  });

  test('a non-numeric integer is a parse error with Java-like detail', () => {
    const r = new FieldReader(['9', 'AAPL'], 9);
    expect(() => r.int()).toThrow('For input string: "AAPL"');
  });

  test('formats doubles without exponent or float noise', () => {
    expect(fmtDouble(0.1 + 0.2)).toBe('0.3');
    expect(fmtDouble(0.00005)).toBe('0.00005');
    expect(fmtDouble(150)).toBe('150');
    expect(fmtDouble(-1)).toBe('-1');
  });
});
