import { describe, expect, test } from 'vitest';
import { buildCatalog } from '../src/instruments/catalog.js';
import { PriceModel } from '../src/market/price-model.js';
import { QuoteSource, roundToTick } from '../src/market/quote-source.js';
import { loadReplay } from '../src/market/replay.js';

const NOW = Date.parse('2024-03-12T15:00:00Z');
const catalog = buildCatalog(NOW);
const sixE = catalog.instruments.find((i) => i.localSymbol === '6EH4');
const replay = loadReplay({ aapl: 265598, spy: 756733, spx: 416904, usdJpy: 15016059, sixEMarch2024: sixE?.conId });
const quotes = (seed = 1): QuoteSource => new QuoteSource(catalog, new PriceModel(catalog, replay, seed), seed);
const aapl = catalog.get(265598);
const es = catalog.instruments.find((i) => i.localSymbol === 'ESM4');

describe('trading hours', () => {
  test('US stock: RTH 09:30–16:00 ET, extended 04:00–20:00, closed at weekends', () => {
    if (!aapl) throw new Error('no AAPL');
    expect(aapl.schedule.isOpen(NOW, false)).toBe(true);
    expect(aapl.schedule.isOpen(Date.parse('2024-03-12T12:00:00Z'), false)).toBe(false); // 08:00 EDT
    expect(aapl.schedule.isOpen(Date.parse('2024-03-12T12:00:00Z'), true)).toBe(true);
    expect(aapl.schedule.isOpen(Date.parse('2024-03-16T15:00:00Z'), true)).toBe(false); // Saturday
    expect(aapl.schedule.nextSessionAfter(Date.parse('2024-03-16T15:00:00Z'), false).tradeDate).toBe('20240318');
  });

  test('CME future: Sunday 17:00 CT open, daily 16:00–17:00 CT halt', () => {
    if (!es) throw new Error('no ESM4');
    expect(es.schedule.isOpen(Date.parse('2024-03-17T22:30:00Z'), true)).toBe(true); // Sun 17:30 CDT
    expect(es.schedule.isOpen(Date.parse('2024-03-12T21:30:00Z'), true)).toBe(false); // Tue 16:30 CDT
    expect(es.schedule.sessionAt(Date.parse('2024-03-12T23:30:00Z'), true)?.tradeDate).toBe('20240313');
  });
});

describe('QuoteSource', () => {
  test('is a pure function of (conId, time): identical across instances, different per seed', () => {
    const a = quotes().quoteAt(265598, NOW + 1234);
    expect(quotes().quoteAt(265598, NOW + 1234)).toEqual(a);
    expect(quotes(9).quoteAt(265598, NOW + 1234)).not.toEqual(a);
    expect(a.ask).toBeGreaterThan(a.bid);
    expect(roundToTick(a.bid, 0.01)).toBe(a.bid);
    expect(a.last === a.bid || a.last === a.ask).toBe(true);
    expect(Object.keys(a).sort()).toEqual(['ask', 'askSize', 'bid', 'bidSize', 'last', 'lastSize', 'volume']);
  });

  test('outside trading hours the quote is frozen at the last close; volume grows within a session', () => {
    const q = quotes();
    expect(q.quoteAt(265598, Date.parse('2024-03-16T15:00:00Z'))).toEqual(
      q.quoteAt(265598, Date.parse('2024-03-17T15:00:00Z')),
    );
    const v1 = q.quoteAt(265598, NOW).volume;
    const v2 = q.quoteAt(265598, NOW + 60_000).volume;
    expect(v2).toBeGreaterThan(v1);
  });

  test('replayed minutes drive the 6EH4 quote inside the file range', () => {
    if (!sixE) throw new Error('no 6EH4');
    // File row "2024-01-02 10:01:00" (bar end) closes at 1.10505; the bar covers 10:00–10:01 UTC.
    const q = quotes().quoteAt(sixE.conId, Date.parse('2024-01-02T10:00:59.900Z'));
    expect(Math.abs((q.bid + q.ask) / 2 - 1.10505)).toBeLessThan(0.0002);
  });

  test('option prices follow the underlying (calls up, puts down as the strike falls)', () => {
    const q = quotes();
    const calls = catalog.instruments.filter(
      (i) => i.secType === 'OPT' && i.symbol === 'AAPL' && i.right === 'C' && i.lastTradeDate === '20240315',
    );
    const prices = calls.sort((x, y) => x.strike - y.strike).map((i) => q.quoteAt(i.conId, NOW).last);
    expect(prices.length).toBeGreaterThan(5);
    expect(prices[0] ?? 0).toBeGreaterThan(prices.at(-1) ?? 0);
  });
});
