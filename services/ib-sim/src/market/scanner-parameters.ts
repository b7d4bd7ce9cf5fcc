/**
 * The reqScannerParameters document: TWS's shape (`ScanParameterResponse` with `InstrumentList`, `LocationTree`,
 * `ScanTypeList` and `FilterList`, each list carrying its `varName`) cut down to what the sim scans, and built from
 * the tables in scans.ts so the document and the scanner cannot disagree. Real TWS sends a multi-megabyte file;
 * clients parse it as XML, so well-formed and truthful matters more than size.
 */
import { MAX_SCAN_ROWS, SCAN_INSTRUMENTS, SCAN_LOCATIONS, SCAN_TYPES } from './scans.js';

const FILTERS: ReadonlyArray<{ id: string; category: string; code: string; displayName: string }> = [
  { id: 'PRICE', category: 'Price', code: 'priceAbove', displayName: 'Price Above' },
  { id: 'PRICE', category: 'Price', code: 'priceBelow', displayName: 'Price Below' },
  { id: 'VOLUME', category: 'Volume', code: 'volumeAbove', displayName: 'Volume Above' },
];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const el = (tag: string, value: string | number): string => `<${tag}>${escapeXml(String(value))}</${tag}>`;

export function scannerParametersXml(): string {
  const instruments = SCAN_INSTRUMENTS.map(
    (i) => `<Instrument>${el('name', i.name)}${el('type', i.type)}${el('filters', 'PRICE,VOLUME')}</Instrument>`,
  ).join('');
  const locations = SCAN_LOCATIONS.filter((l) => l.code !== 'STK.US')
    .map(
      (l) =>
        `<Location>${el('displayName', l.displayName)}${el('locationCode', l.code)}${el('instruments', 'STK')}` +
        `${el('routeExchange', 'SMART')}${el('delayedOnly', 'false')}${el('access', 'unrestricted')}</Location>`,
    )
    .join('');
  const scanTypes = SCAN_TYPES.map(
    (t) =>
      `<ScanType>${el('displayName', t.displayName)}${el('scanCode', t.code)}${el('instruments', 'STK')}` +
      `${el('absoluteColumns', 'false')}${el('respSizeLimit', MAX_SCAN_ROWS)}${el('snapshotSizeLimit', MAX_SCAN_ROWS)}` +
      `${el('delayedAvail', 'true')}</ScanType>`,
  ).join('');
  const filters = FILTERS.map(
    (f) =>
      `<RangeFilter>${el('id', f.id)}${el('category', f.category)}${el('access', 'unrestricted')}` +
      `<AbstractField type="scanner.filter.DoubleField">${el('code', f.code)}${el('displayName', f.displayName)}` +
      `</AbstractField></RangeFilter>`,
  ).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<ScanParameterResponse>' +
    `<InstrumentList varName="fullInstrumentList">${instruments}</InstrumentList>` +
    '<LocationTree varName="locationTree"><Location>' +
    `${el('displayName', 'US Stocks')}${el('locationCode', 'STK.US')}${el('instruments', 'STK')}` +
    `${el('routeExchange', 'SMART')}${el('delayedOnly', 'false')}${el('access', 'unrestricted')}` +
    `<LocationTree>${locations}</LocationTree></Location></LocationTree>` +
    `<ScanTypeList varName="scanTypeList">${scanTypes}</ScanTypeList>` +
    `<FilterList varName="filterList">${filters}</FilterList>` +
    '</ScanParameterResponse>'
  );
}
