/**
 * The permission matrix on a real nats-server running the committed infra/nats/auth.conf with freshly generated
 * users: for every user, every catalog subject and every system subject of interest (JetStream API, acks, inboxes,
 * KV, $SYS) is published to and subscribed to, and what the server allows must be exactly what the catalog and the
 * rules say (no more, no less). The rules of issue 15 are checked on their own as well, independently of the rule
 * table: the OMS alone sends broker order commands, gateways alone publish broker facts, operators alone change
 * trading state, limits, brokers and streams, dashboards change nothing, nobody reads or writes another's inbox.
 */
import { readFileSync } from 'node:fs';
import { type NatsConnection, nkeyAuthenticator } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { BROKER_EVENTS_STREAM, catalog, ORDERS_STREAM, STREAMS as STREAM_SPECS } from '@trading-system/contracts';
import type { PrivateNats } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AUTH_CONF_PATH } from '../nats/config.js';
import {
  inboxPrefixOf,
  NATS_USERS,
  type NatsUser,
  natsPermissions,
  PermissionMatrixError,
  RULES,
  renderAuthConf,
  rulesByEntry,
  subjectMatches,
} from '../nats/permissions.js';
import { type AuthSecrets, makeSecrets, startAuthNats } from './support/auth.js';

/** A concrete subject for a pattern: every `*` a sample token, `>` two tokens. */
const concrete = (pattern: string): string =>
  pattern
    .split('.')
    .map((t) => (t === '*' ? 'probe' : t === '>' ? 'probe.more' : t))
    .join('.');

const STREAMS = STREAM_SPECS.map((s) => s.name);
const GATEWAYS: NatsUser[] = ['gateway-ib', 'gateway-paper', 'gateway-alpaca'];

/** Non-catalog subjects a user could abuse: stream and consumer administration, acks, KV, system, inboxes. */
const SYSTEM_PROBES: readonly string[] = [
  '$JS.API.INFO',
  '$JS.API.STREAM.LIST',
  '$JS.API.STREAM.NAMES',
  ...STREAMS.flatMap((s) => [
    ...['INFO', 'CREATE', 'UPDATE', 'DELETE', 'PURGE', 'MSG.DELETE', 'MSG.GET'].map(
      (op) => `$JS.API.STREAM.${op}.${s}`,
    ),
    ...['INFO', 'CREATE', 'DURABLE.CREATE', 'MSG.NEXT', 'DELETE'].map((op) => `$JS.API.CONSUMER.${op}.${s}.probe`),
    `$JS.API.CONSUMER.CREATE.${s}.probe.${s === 'ORDERS' ? 'orders.evt.>' : 'broker.probe.evt.>'}`,
    `$JS.ACK.${s}.probe.1.1.1.1.0`,
  ]),
  '$KV.probe.key',
  '$JS.API.STREAM.CREATE.KV_probe',
  '$SYS.REQ.SERVER.PING',
  '_INBOX.probe',
  ...NATS_USERS.map((u) => `${inboxPrefixOf(u)}.probe`),
];

const CATALOG_PROBES = catalog.entries.map((e) => concrete(e.pattern));
const ALL_PROBES = [...new Set([...CATALOG_PROBES, ...SYSTEM_PROBES])];
/** Wildcard subscriptions people make (the SDK's order updates, `trading-system tail`), subscribed only. */
const WIDE_SUBSCRIPTIONS = ['md.tick.>', 'md.>', 'orders.evt.*.>', 'orders.evt.>', 'broker.*.status', '>', '_INBOX.>'];

/** What the matrix says: the allowed probes of `user` for publish and subscribe. */
function expected(user: NatsUser): { publish: string[]; subscribe: string[] } {
  const p = natsPermissions().find((x) => x.user === user);
  if (p === undefined) throw new Error(`no permissions for ${user}`);
  const allowed = (patterns: readonly string[]) =>
    ALL_PROBES.filter((s) => patterns.some((pattern) => subjectMatches(pattern, s))).sort();
  const wide = WIDE_SUBSCRIPTIONS.filter((s) => p.subscribe.some((pattern) => subjectMatches(pattern, s)));
  return { publish: allowed(p.publish), subscribe: [...allowed(p.subscribe), ...wide].sort() };
}

interface Observed {
  readonly publish: string[];
  readonly subscribe: string[];
}

/** Publishes to and subscribes on every probe as `user`; the server's refusals tell what is allowed. */
async function observe(server: PrivateNats, secrets: AuthSecrets, user: NatsUser): Promise<Observed> {
  const nc: NatsConnection = await connect({
    servers: server.url,
    name: `matrix-${user}`,
    authenticator: nkeyAuthenticator(new TextEncoder().encode(secrets.seed(user))),
    inboxPrefix: inboxPrefixOf(user),
    maxReconnectAttempts: 0,
  });
  const denied = { publish: new Set<string>(), subscription: new Set<string>() };
  const watching = (async () => {
    for await (const s of nc.status()) {
      if (s.type !== 'error') continue;
      const e = s.error as { name?: string; operation?: 'publish' | 'subscription'; subject?: string };
      if (e.name === 'PermissionViolationError' && e.operation !== undefined && e.subject !== undefined)
        denied[e.operation].add(e.subject);
    }
  })();
  try {
    for (const subject of ALL_PROBES) {
      // A payload no service would accept (they are not running here anyway): only the server's verdict counts.
      nc.publish(subject, 'permission probe');
      nc.subscribe(subject);
    }
    for (const subject of WIDE_SUBSCRIPTIONS) nc.subscribe(subject);
    // The server answers the PING after it has refused every PUB/SUB sent before it, in order.
    await nc.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(nc.isClosed(), `${user}: the server closed the connection`).toBe(false);
  } finally {
    await nc.close();
    await watching;
  }
  return {
    publish: ALL_PROBES.filter((s) => !denied.publish.has(s)).sort(),
    subscribe: [...ALL_PROBES, ...WIDE_SUBSCRIPTIONS].filter((s) => !denied.subscription.has(s)).sort(),
  };
}

let server: PrivateNats;
let secrets: AuthSecrets;
const observed = new Map<NatsUser, Observed>();

beforeAll(async () => {
  secrets = makeSecrets();
  server = await startAuthNats(secrets);
  for (const user of NATS_USERS) observed.set(user, await observe(server, secrets, user));
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const allowedTo = (verb: 'publish' | 'subscribe', subject: string): NatsUser[] =>
  NATS_USERS.filter((u) => observed.get(u)?.[verb].includes(subject));

describe('the matrix is derived from the catalog', () => {
  test('every catalog subject has exactly one rule; infra/nats/auth.conf is the rendering of the current matrix', () => {
    const byEntry = rulesByEntry();
    expect(byEntry.size).toBe(catalog.entries.length);
    expect(readFileSync(AUTH_CONF_PATH, 'utf8')).toBe(renderAuthConf());
  });

  test('with a bus namespace, catalog subjects and streams carry it as the bus puts them on the wire; inboxes do not', () => {
    const plain = natsPermissions();
    const spaced = natsPermissions(catalog, 'ns1');
    const onWire = (x: string) =>
      x.startsWith('_INBOX.') || x === '$JS.API.INFO' || x === '$JS.API.>'
        ? x
        : x.startsWith('$JS.')
          ? x.replace(
              /(STREAM\.(?:INFO|CREATE|UPDATE|MSG\.GET)\.|CONSUMER\.(?:INFO|CREATE|DURABLE\.CREATE|MSG\.NEXT)\.|\$JS\.ACK\.)/,
              '$1ns1_',
            )
          : `ns1.${x}`;
    for (const [i, p] of plain.entries()) {
      expect(spaced[i]?.publish).toEqual(p.publish.map(onWire));
      expect(spaced[i]?.subscribe).toEqual(p.subscribe.map(onWire));
    }
    expect(spaced.find((p) => p.user === 'history')?.publish).toContain('$JS.API.CONSUMER.MSG.NEXT.ns1_ORDERS.*');
  });

  test('a subject added to the catalog without a rule is an error, not a silent gap', () => {
    const extra = { ...catalog.entries[0], pattern: 'orders.newThing' } as (typeof catalog.entries)[number];
    const grown = { entries: [...catalog.entries, extra], lookup: catalog.lookup };
    expect(() => rulesByEntry(grown)).toThrow(PermissionMatrixError);
    expect(() => rulesByEntry(grown)).toThrow(/orders\.newThing: no rule/);
    const shrunk = { entries: catalog.entries.filter((e) => e.pattern !== 'hist.trades'), lookup: catalog.lookup };
    expect(() => rulesByEntry(shrunk)).toThrow(/rule hist\.trades: governs no catalog subject/);
    expect(RULES.length).toBeGreaterThan(30);
  });
});

describe('a real nats-server enforces the matrix, user by user', () => {
  test.each(NATS_USERS)(
    '%s: allowed exactly what the matrix says, every other publish and subscribe denied',
    (user) => {
      const seen = observed.get(user);
      const want = expected(user);
      expect(seen?.publish).toEqual(want.publish);
      expect(seen?.subscribe).toEqual(want.subscribe);
      // And the matrix is not empty-handed: every user can do its job.
      expect(want.publish.length + want.subscribe.length).toBeGreaterThan(3);
    },
  );

  test('an unknown key and an anonymous client are refused at the door', async () => {
    await expect(connect({ servers: server.url, maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization/i);
    const other = makeSecrets();
    await expect(
      connect({
        servers: server.url,
        maxReconnectAttempts: 0,
        authenticator: nkeyAuthenticator(new TextEncoder().encode(other.seed('operator'))),
      }),
    ).rejects.toThrow(/Authorization/i);
  });
});

describe('the rules of issue 15, checked on the server without the rule table', () => {
  const sample = (pattern: string) => concrete(pattern);

  test('only the OMS sends broker order commands; only gateways serve them', () => {
    for (const verb of ['placeOrder', 'modifyOrder', 'cancelOrder']) {
      expect(allowedTo('publish', sample(`broker.*.cmd.${verb}`)), verb).toEqual(['orders']);
      expect(allowedTo('subscribe', sample(`broker.*.cmd.${verb}`)), verb).toEqual(GATEWAYS);
    }
  });

  test('only gateways publish broker events (a forged execution), broker status and ticks', () => {
    for (const e of catalog.entries.filter((x) => /^broker\.\*\.(evt\.|status$)/.test(x.pattern)))
      expect(allowedTo('publish', sample(e.pattern)), e.pattern).toEqual(GATEWAYS);
    expect(allowedTo('publish', sample('md.tick.*.*'))).toEqual(GATEWAYS);
  });

  test('the paper gateway reads its quote source but cannot trade on it; the Alpaca gateway asks no broker anything', () => {
    const paper = observed.get('gateway-paper');
    for (const verb of ['qualifyContract', 'mdSubscribe', 'mdUnsubscribe', 'mdSnapshot', 'fetchHistory', 'status'])
      expect(paper?.publish, verb).toContain(sample(`broker.*.cmd.${verb}`));
    expect(paper?.subscribe).toEqual(
      expect.arrayContaining([sample('md.tick.*.*'), sample('md.rtbar.*.*'), sample('broker.*.status')]),
    );
    for (const gateway of ['gateway-paper', 'gateway-alpaca'] as const) {
      const seen = observed.get(gateway);
      expect(
        seen?.publish.filter((s) =>
          /^broker\.[^.]+\.cmd\.(place|modify|cancel)Order$|\.cancelAll$|\.reconcile$/.test(s),
        ),
        gateway,
      ).toEqual([]);
      // Neither writes gateway-ib's order-id stream nor account events, nor consumes anyone's stream.
      expect(
        seen?.publish.filter((s) => /orderIds|^account\.|^\$JS\.ACK|CONSUMER/.test(s)),
        gateway,
      ).toEqual([]);
    }
    expect(observed.get('gateway-alpaca')?.publish.filter((s) => /^broker\.[^.]+\.cmd\./.test(s))).toEqual([]);
  });

  test('only operators change trading state, risk limits, brokers and streams', () => {
    for (const s of [
      'orders.tradingState',
      'orders.riskLimits',
      sample('gateway.*.cmd.addBroker'),
      sample('gateway.*.cmd.removeBroker'),
      ...STREAMS.flatMap((name) => [`$JS.API.STREAM.DELETE.${name}`, `$JS.API.STREAM.PURGE.${name}`]),
      `$JS.API.STREAM.MSG.DELETE.${ORDERS_STREAM.name}`,
      '$JS.API.STREAM.CREATE.KV_probe',
    ])
      expect(allowedTo('publish', s), s).toEqual(['operator']);
  });

  test('clients submit through the OMS and read market data; never straight at a gateway', () => {
    const client = observed.get('client');
    expect(client?.publish).toEqual(
      expect.arrayContaining(['orders.submit', 'orders.cancel', 'md.subscribe', 'hist.bars', 'orders.get']),
    );
    expect(client?.subscribe).toEqual(expect.arrayContaining([sample('md.tick.*.*'), sample('md.bar.*.*.*')]));
    expect(client?.publish.filter((s) => /^broker\.[^.]+\.cmd\.(place|modify|cancel)Order$/.test(s))).toEqual([]);
  });

  test('dashboards change nothing: every publish they may do is a read', () => {
    const reads = new Set([
      'orders.get',
      'orders.list',
      'orders.positions',
      'md.subscribe',
      'md.unsubscribe',
      'md.snapshot',
      'hist.bars',
      'hist.orders',
      'hist.trades',
      'hist.export',
      // acknowledging the chunks of one's own bar stream only paces that read
      sample('hist.ack.*'),
      sample('account.*.positions'),
      sample('account.*.summary'),
      sample('broker.*.cmd.status'),
      sample('broker.*.cmd.positions'),
      sample('broker.*.cmd.accountSummary'),
      sample('broker.*.cmd.optionChain'),
      sample('broker.*.cmd.historyForecast'),
      sample('gateway.*.cmd.listBrokers'),
      '$JS.API.INFO',
    ]);
    expect(observed.get('dashboard')?.publish.filter((s) => !reads.has(s))).toEqual([]);
  });

  test('inboxes: nobody publishes into one; each user receives only on its own', () => {
    for (const u of NATS_USERS) {
      const seen = observed.get(u);
      expect(
        seen?.publish.filter((s) => s.startsWith('_INBOX')),
        u,
      ).toEqual([]);
      expect(
        seen?.subscribe.filter((s) => s.startsWith('_INBOX')),
        u,
      ).toEqual([`${inboxPrefixOf(u)}.probe`]);
    }
  });

  test('readers hold the wildcard subscriptions of the SDK and the CLI; nobody subscribes to everything', () => {
    for (const u of ['client', 'dashboard', 'operator'] as const)
      expect(observed.get(u)?.subscribe, u).toEqual(expect.arrayContaining(['md.tick.>', 'orders.evt.*.>']));
    expect(allowedTo('subscribe', '>')).toEqual([]);
    expect(allowedTo('subscribe', 'md.>')).toEqual([]);
    expect(allowedTo('subscribe', '_INBOX.>')).toEqual([]);
  });

  test('acks of a stream only from its consumer; no KV, no $SYS for anyone', () => {
    expect(allowedTo('publish', `$JS.ACK.${BROKER_EVENTS_STREAM.name}.probe.1.1.1.1.0`)).toEqual(['orders']);
    expect(allowedTo('publish', `$JS.ACK.${ORDERS_STREAM.name}.probe.1.1.1.1.0`)).toEqual(['history']);
    expect(allowedTo('publish', '$KV.probe.key')).toEqual([]);
    expect(allowedTo('publish', '$SYS.REQ.SERVER.PING')).toEqual([]);
    expect(allowedTo('subscribe', '$KV.probe.key')).toEqual([]);
  });
});
