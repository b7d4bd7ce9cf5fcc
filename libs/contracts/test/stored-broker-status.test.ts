/** Statuses kept in BROKER_STATUS by the previous gateway version read in the broker-neutral shape. */
import { describe, expect, test } from 'vitest';
import { BrokerInfo, BrokerStatus, CurrentBrokerStatus, ListBrokersReply } from '../src/index.js';

/** What a reader (the bus, any parse) gets from a status of any version; undefined when it is none. */
const brokerStatusOf = (raw: unknown) => BrokerStatus.safeParse(raw).data;

/** What gateway-ib published before the broker-neutral status (IB's farms, code, clientId, server version). */
const previousIb = {
  v: 1,
  broker: 'ib_paper',
  gatewayType: 'ib',
  state: 'degraded',
  lastCode: 1100,
  lastCodeMessage: 'Connectivity between IB and Trader Workstation has been lost.',
  lastCodeAtMs: 1_700_000_000_500,
  farms: [
    { name: 'usfarm', kind: 'market', state: 'broken', sinceMs: 1_700_000_000_100 },
    { name: 'ushmds', kind: 'hmds', state: 'ok', sinceMs: 1_700_000_000_200 },
    { name: 'secdefnj', kind: 'secdef', state: 'inactive', sinceMs: 1_700_000_000_300 },
  ],
  lastMessageAgeMs: 12,
  clientId: 17,
  serverVersion: 178,
  accounts: ['DU1234567'],
  paper: true,
  tsMs: 1_700_000_001_000,
  instanceId: 'gw-abc',
  session: 2,
};

describe('BrokerStatus reads the previous version', () => {
  test("a previous-version IB status: farms become feeds, the code a neutral notice, IB's ids details", () => {
    expect(CurrentBrokerStatus.safeParse(previousIb).success).toBe(false);
    const s = brokerStatusOf(previousIb);
    expect(s).toEqual({
      v: 1,
      broker: 'ib_paper',
      gatewayType: 'ib',
      state: 'degraded',
      feeds: [
        { name: 'usfarm', kind: 'market', state: 'broken', sinceMs: 1_700_000_000_100 },
        { name: 'ushmds', kind: 'history', state: 'ok', sinceMs: 1_700_000_000_200 },
        { name: 'secdefnj', kind: 'reference', state: 'inactive', sinceMs: 1_700_000_000_300 },
      ],
      notice: {
        kind: 'connectivity-lost',
        code: '1100',
        message: 'Connectivity between IB and Trader Workstation has been lost.',
        atMs: 1_700_000_000_500,
      },
      lastMessageAgeMs: 12,
      details: { type: 'ib', clientId: 17, serverVersion: 178 },
      accounts: ['DU1234567'],
      paper: true,
      tsMs: 1_700_000_001_000,
      instanceId: 'gw-abc',
      session: 2,
    });
  });

  test.each([
    [1101, 'restored-data-lost'],
    [1102, 'restored'],
    [2110, 'connectivity-lost'],
    [502, 'unreachable'],
    [326, 'other'],
  ] as const)('previous IB code %i reads as notice %s', (lastCode, kind) => {
    expect(brokerStatusOf({ ...previousIb, lastCode })?.notice).toMatchObject({ kind, code: String(lastCode) });
  });

  test('a previous-version paper/alpaca status (placeholders, a message without a code): no IB details', () => {
    const s = brokerStatusOf({
      v: 1,
      broker: 'paper1',
      gatewayType: 'paper',
      state: 'degraded',
      lastCodeMessage: 'quote source sim is disconnected',
      farms: [],
      clientId: 0,
      accounts: ['PAPER'],
      paper: true,
      tsMs: 1_700_000_000_000,
    });
    expect(s?.notice).toEqual({
      kind: 'other',
      code: 'message',
      message: 'quote source sim is disconnected',
      atMs: 1_700_000_000_000,
    });
    expect(s?.feeds).toEqual([]);
    expect(s?.details).toBeUndefined();
  });

  test('a current status is returned as it is; something else is no status', () => {
    const current = brokerStatusOf(previousIb);
    expect(brokerStatusOf(current)).toEqual(current);
    expect(brokerStatusOf({ v: 1, broker: 'x' })).toBeUndefined();
    expect(brokerStatusOf('status')).toBeUndefined();
  });
});

describe('the neutral shapes', () => {
  test('details must be of a known broker type, tagged with it', () => {
    const base = brokerStatusOf(previousIb);
    expect(CurrentBrokerStatus.safeParse({ ...base, details: { type: 'alpaca', feed: 'iex' } }).success).toBe(true);
    expect(
      CurrentBrokerStatus.safeParse({ ...base, details: { type: 'paper', quotesFrom: 'sim', account: 'P' } }).success,
    ).toBe(true);
    expect(CurrentBrokerStatus.safeParse({ ...base, details: { clientId: 1 } }).success).toBe(false);
    expect(CurrentBrokerStatus.safeParse({ ...base, details: { type: 'ib' } }).success).toBe(false);
  });

  test('an endpoint never carries credentials (no user info in a URL)', () => {
    const info = { name: 'a', gatewayType: 'alpaca', paper: true, state: 'connected', accounts: [] };
    expect(BrokerInfo.safeParse({ ...info, endpoint: 'https://paper-api.alpaca.markets' }).success).toBe(true);
    expect(BrokerInfo.safeParse({ ...info, endpoint: '127.0.0.1:4002' }).success).toBe(true);
    expect(BrokerInfo.safeParse({ ...info, endpoint: 'https://key:secret@paper-api.alpaca.markets' }).success).toBe(
      false,
    );
    expect(ListBrokersReply.safeParse({ v: 1, ok: true, brokers: [], brokerType: 'paper' }).success).toBe(true);
  });
});
