/**
 * Who may do what on the bus: the NATS users of a deployment and their least-privilege permissions.
 *
 * Derived from the message catalog (libs/contracts): every catalog subject is governed by exactly one rule below,
 * which names the users that may publish on it (send the request, publish the event) and those that may subscribe
 * (serve the request, receive the event). A subject added to the catalog without a rule, or a rule that no longer
 * governs any subject, fails `natsPermissions()` (and so `npm run nats:config`, CI, and the matrix test): the matrix
 * cannot drift from the contracts silently. Beside the catalog each user gets only the system subjects it needs:
 * its own reply inbox (`_INBOX.<user>.>`), replies to requests it serves (allow_responses), and the JetStream API
 * calls of the streams and consumers it owns. Nobody may publish into another's inbox.
 *
 * The rules of issue 15 in one place:
 * - only the OMS (`orders`) sends broker order commands (place, modify, cancel);
 * - only gateways (`gateway-ib`, `gateway-paper`, `gateway-alpaca`) serve broker commands and publish broker events,
 *   broker status and market ticks; gateway-paper also reads its quote source (another broker's ticks, 5-s bars,
 *   status, and its read commands: qualify, market data, history), never its order commands;
 * - only operators change trading state, risk limits, brokers (add/remove) and streams (delete, purge, edit);
 * - clients (SDK, CLI, strategies) submit through the OMS and read market data, orders, history and accounts;
 * - dashboards read, and change nothing.
 * orders.tradingState and orders.riskLimits read and write on one subject, so reading them is an operator's too.
 */
import {
  BROKER_EVENTS_STREAM,
  BROKER_ORDER_IDS_STREAM,
  BROKER_STATUS_STREAM,
  type CatalogEntry,
  catalog,
  DURABLE_CONSUMERS,
  type MessageCatalog,
  ORDERS_STREAM,
} from '@trading-system/contracts';
import { probeFor } from '../healthcheck.js';

/** The users the services run as (compose gives each its seed); the others are for people and their programs. */
export const SERVICE_USERS = [
  'gateway-ib',
  'gateway-paper',
  'gateway-alpaca',
  'orders',
  'market-data',
  'history',
] as const;

export const NATS_USERS = [...SERVICE_USERS, 'operator', 'client', 'dashboard'] as const;
export type NatsUser = (typeof NATS_USERS)[number];

export const USER_DESCRIPTIONS: Readonly<Record<NatsUser, string>> = {
  'gateway-ib':
    'gateway-ib: serves broker.*.cmd.*, gateway.*.cmd.*, account.*; publishes broker events, status, ticks, trades',
  'gateway-paper':
    'gateway-paper: serves broker.*.cmd.*, gateway.*.cmd.*, account.*; publishes broker events, status, ticks, trades; ' +
    'reads its quote source (ticks, bars, status, read commands)',
  'gateway-alpaca':
    'gateway-alpaca: serves broker.*.cmd.*, gateway.*.cmd.*, account.*; publishes broker events, status, ticks, trades',
  orders: 'orders (the OMS): serves orders.*; the only sender of broker order commands; publishes the ORDERS stream',
  'market-data': 'market-data: serves md.subscribe/unsubscribe/snapshot; publishes bars and feed health',
  history:
    'history: serves hist.*; streams hist.stream.* (paced by hist.ack.*); reads the ORDERS stream into its read model',
  operator: 'operator: everything a client may, plus trading state, risk limits, brokers, streams (JetStream API)',
  client: 'client (SDK, CLI, strategies): submits through the OMS; reads market data, orders, history, accounts',
  dashboard: 'dashboard: read-only (queries, market data, events); changes nothing',
};

/** Reply inbox prefix of a user (set NATS_INBOX_PREFIX to it): each user may only receive replies there. */
export function inboxPrefixOf(user: NatsUser): string {
  return `_INBOX.${user}`;
}

/** The environment variable that carries a user's public NKey into the server config (auth.conf). */
export function nkeyVariableOf(user: NatsUser): string {
  return `NATS_NKEY_${user.toUpperCase().replaceAll('-', '_')}`;
}

const PEOPLE: readonly NatsUser[] = ['operator', 'client'];
const READERS: readonly NatsUser[] = ['operator', 'client', 'dashboard'];
/** The gateways: each serves the broker contract for the brokers it hosts. */
const GATEWAYS: readonly NatsUser[] = ['gateway-ib', 'gateway-paper', 'gateway-alpaca'];
/** gateway-paper shadows another broker: it reads that broker's market data and asks its read commands. */
const SHADOW: readonly NatsUser[] = ['gateway-paper'];

interface Rule {
  /** A pattern over catalog patterns: `*` matches one token (also a `*` of the catalog), `>` the rest. */
  readonly match: string;
  readonly publish: readonly NatsUser[];
  readonly subscribe: readonly NatsUser[];
}

const rule = (match: string, publish: readonly NatsUser[], subscribe: readonly NatsUser[]): Rule => ({
  match,
  publish,
  subscribe,
});

/** One rule per family of catalog subjects. Requests: publish = who asks, subscribe = who answers. */
export const RULES: readonly Rule[] = [
  // Market data
  rule('md.tick.*.*', GATEWAYS, ['market-data', 'orders', ...SHADOW, ...READERS]),
  // gateway-alpaca streams no 5-s bars.
  rule('md.trade.*.*', GATEWAYS, ['market-data', ...SHADOW, ...READERS]),
  rule('md.rtbar.*.*', ['gateway-ib', 'gateway-paper'], ['market-data', ...SHADOW, ...READERS]),
  rule('md.bar.*.*.*', ['market-data'], ['history', ...READERS]),
  rule('md.health.*.*', ['market-data'], ['orders', ...READERS]),
  rule('md.subscribe', ['orders', ...READERS], ['market-data']),
  rule('md.unsubscribe', ['orders', ...READERS], ['market-data']),
  rule('md.snapshot', ['orders', ...READERS], ['market-data']),
  // The OMS
  rule('orders.submit', PEOPLE, ['orders']),
  rule('orders.modify', PEOPLE, ['orders']),
  rule('orders.cancel', PEOPLE, ['orders']),
  rule('orders.cancelAll', PEOPLE, ['orders']),
  rule('orders.get', READERS, ['orders']),
  rule('orders.list', READERS, ['orders']),
  rule('orders.positions', READERS, ['orders']),
  rule('orders.tradingState', ['operator'], ['orders']),
  rule('orders.riskLimits', ['operator'], ['orders']),
  rule('orders.evt.*.*.*', ['orders'], READERS),
  // Broker commands: order commands from the OMS only; reads for whoever needs them.
  rule('broker.*.cmd.placeOrder', ['orders'], GATEWAYS),
  rule('broker.*.cmd.modifyOrder', ['orders'], GATEWAYS),
  rule('broker.*.cmd.cancelOrder', ['orders'], GATEWAYS),
  rule('broker.*.cmd.cancelAll', ['orders', 'operator'], GATEWAYS),
  rule('broker.*.cmd.reconcile', ['orders', 'operator'], GATEWAYS),
  rule('broker.*.cmd.qualifyContract', ['orders', 'market-data', 'history', ...PEOPLE, ...SHADOW], GATEWAYS),
  rule('broker.*.cmd.mdSubscribe', ['market-data', ...SHADOW], GATEWAYS),
  rule('broker.*.cmd.mdUnsubscribe', ['market-data', ...SHADOW], GATEWAYS),
  // orders asks for a reference price (risk's price collar, notional) when no quote of the instrument is cached.
  rule('broker.*.cmd.mdSnapshot', ['market-data', 'orders', 'operator', ...SHADOW], GATEWAYS),
  rule('broker.*.cmd.fetchHistory', ['history', ...SHADOW], GATEWAYS),
  // The dashboard shows the depth of each broker's historical pacing queue (a read: it queues nothing).
  rule('broker.*.cmd.historyForecast', ['history', 'operator', 'dashboard', ...SHADOW], GATEWAYS),
  rule('broker.*.cmd.optionChain', [...READERS, ...SHADOW], GATEWAYS),
  rule('broker.*.cmd.positions', ['orders', ...READERS], GATEWAYS),
  rule('broker.*.cmd.accountSummary', ['orders', ...READERS], GATEWAYS),
  rule('broker.*.cmd.status', ['orders', 'market-data', 'history', ...READERS, ...SHADOW], GATEWAYS),
  // Broker facts: from gateways only.
  rule('broker.*.evt.*', GATEWAYS, ['operator']),
  rule('broker.*.status', GATEWAYS, ['orders', 'market-data', 'history', ...SHADOW, ...READERS]),
  // gateway-ib's reserved broker order ids (never reused across restarts): its alone to write (the paper and Alpaca
  // gateways keep their ids in Postgres and at Alpaca).
  rule('broker.*.orderIds', ['gateway-ib'], ['operator']),
  // Broker connections: operators add and remove them.
  rule('gateway.*.cmd.addBroker', ['operator'], GATEWAYS),
  rule('gateway.*.cmd.removeBroker', ['operator'], GATEWAYS),
  rule('gateway.*.cmd.listBrokers', READERS, GATEWAYS),
  // Accounts
  rule('account.*.positions', READERS, GATEWAYS),
  rule('account.*.summary', READERS, GATEWAYS),
  rule('account.*.evt.*', ['gateway-ib'], READERS),
  // History
  rule('hist.bars', READERS, ['history']),
  rule('hist.orders', READERS, ['history']),
  rule('hist.trades', READERS, ['history']),
  rule('hist.export', READERS, ['history']),
  rule('hist.stream.*', ['history'], READERS),
  // A flow-controlled stream's requester acknowledges the chunks it has taken (HistBarsRequest.window).
  rule('hist.ack.*', READERS, ['history']),
];

/** Tokenwise match of a rule pattern against a catalog pattern (whose `*` tokens are literal here). */
export function ruleMatches(match: string, pattern: string): boolean {
  const m = match.split('.');
  const p = pattern.split('.');
  for (let i = 0; i < m.length; i++) {
    if (m[i] === '>') return p.length > i;
    if (i >= p.length || (m[i] !== '*' && m[i] !== p[i])) return false;
  }
  return m.length === p.length;
}

export class PermissionMatrixError extends Error {
  override name = 'PermissionMatrixError';
}

/** The rule governing each catalog entry; throws when an entry has none or several, or a rule governs none. */
export function rulesByEntry(cat: MessageCatalog = catalog): Map<CatalogEntry, Rule> {
  const out = new Map<CatalogEntry, Rule>();
  const problems: string[] = [];
  const used = new Set<Rule>();
  for (const entry of cat.entries) {
    const matching = RULES.filter((r) => ruleMatches(r.match, entry.pattern));
    if (matching.length !== 1) {
      problems.push(
        matching.length === 0
          ? `${entry.pattern}: no rule says who may publish and subscribe (add one to infra/nats/permissions.ts)`
          : `${entry.pattern}: governed by several rules (${matching.map((r) => r.match).join(', ')})`,
      );
      continue;
    }
    const [only] = matching as [Rule];
    out.set(entry, only);
    used.add(only);
  }
  for (const r of RULES) if (!used.has(r)) problems.push(`rule ${r.match}: governs no catalog subject (remove it)`);
  if (problems.length > 0)
    throw new PermissionMatrixError(`permission matrix out of date:\n  ${problems.join('\n  ')}`);
  return out;
}

/** JetStream API subjects to ensure (info, create, update) a stream. */
function streamOwnerOf(stream: string): string[] {
  return ['INFO', 'CREATE', 'UPDATE'].map((op) => `$JS.API.STREAM.${op}.${stream}`);
}

/** JetStream API subjects to create, read and pull a durable consumer of a stream, and to ack its messages. */
function consumerOwnerOf(stream: string): string[] {
  return [
    `$JS.API.CONSUMER.INFO.${stream}.*`,
    `$JS.API.CONSUMER.CREATE.${stream}.*`,
    // 2.10 servers: the filter subject is appended to the create subject.
    `$JS.API.CONSUMER.CREATE.${stream}.*.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.*`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
    `$JS.ACK.${stream}.>`,
  ];
}

/** Every bus user (jetstreamManager) asks for the account's JetStream info first. */
const JS_INFO = '$JS.API.INFO';

/** System subjects (not in the catalog) each user may publish; `stream` names a stream as the server knows it. */
function systemPublish(stream: (name: string) => string): Readonly<Record<NatsUser, readonly string[]>> {
  const streamOwner = (name: string) => streamOwnerOf(stream(name));
  const consumerOwner = (name: string) => consumerOwnerOf(stream(name));
  return {
    'gateway-ib': [
      JS_INFO,
      ...streamOwner(BROKER_EVENTS_STREAM.name),
      ...streamOwner(BROKER_ORDER_IDS_STREAM.name),
      ...streamOwner(BROKER_STATUS_STREAM.name),
      // Its last reserved id after a restart (the newest message of broker.<name>.orderIds).
      `$JS.API.STREAM.MSG.GET.${stream(BROKER_ORDER_IDS_STREAM.name)}`,
    ],
    'gateway-paper': [JS_INFO, ...streamOwner(BROKER_EVENTS_STREAM.name), ...streamOwner(BROKER_STATUS_STREAM.name)],
    'gateway-alpaca': [JS_INFO, ...streamOwner(BROKER_EVENTS_STREAM.name), ...streamOwner(BROKER_STATUS_STREAM.name)],
    orders: [
      JS_INFO,
      ...streamOwner(ORDERS_STREAM.name),
      ...streamOwner(BROKER_EVENTS_STREAM.name),
      ...consumerOwner(BROKER_EVENTS_STREAM.name),
    ],
    'market-data': [JS_INFO],
    history: [
      JS_INFO,
      ...streamOwner(ORDERS_STREAM.name),
      ...consumerOwner(ORDERS_STREAM.name),
      // A broker's last status (its history announcement) while its gateway is down: the cache stays readable.
      `$JS.API.STREAM.MSG.GET.${stream(BROKER_STATUS_STREAM.name)}`,
    ],
    // Streams and consumers: create, edit, delete, purge. Not $JS.ACK: acking another's messages would lose them.
    operator: ['$JS.API.>'],
    client: [JS_INFO],
    dashboard: [JS_INFO],
  };
}

/** System subjects (not in the catalog) each user may publish, without a bus namespace. */
export const SYSTEM_PUBLISH = systemPublish((name) => name);

/** Durable consumers each consuming service names (documentation; the API subjects above use `*`). */
export const DURABLES: Readonly<Partial<Record<NatsUser, string>>> = {
  orders: `${DURABLE_CONSUMERS.ordersBrokerEvents}-<broker>`,
  history: `${DURABLE_CONSUMERS.historyOrders}-g<generation>`,
};

/** The compose service a healthcheck probe runs in, by user (infra/healthcheck.ts asks with the service's seed). */
const PROBED: Readonly<Partial<Record<NatsUser, string>>> = {
  'gateway-ib': 'gateway-ib',
  'gateway-paper': 'gateway-paper',
  'gateway-alpaca': 'gateway-alpaca',
  orders: 'orders',
  'market-data': 'market-data',
  history: 'history',
};

export interface UserPermissions {
  readonly user: NatsUser;
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** May publish to the reply subject of a request it received (it serves requests). */
  readonly allowResponses: boolean;
}

/**
 * A subscribe grant as NATS checks it: a subscription is allowed when the grant covers it as a whole, so readers
 * of `md.tick.*.*` could not hold the `md.tick.>` or `orders.evt.*.>` subscriptions the SDK and CLI make. Trailing
 * `*` tokens become `>`: the same catalog subjects, in any of the ways a reader subscribes to them.
 */
export function subscribeGrant(match: string): string {
  const tokens = match.split('.');
  let end = tokens.length;
  while (end > 1 && tokens[end - 1] === '*') end -= 1;
  return end === tokens.length ? match : [...tokens.slice(0, end), '>'].join('.');
}

/**
 * The permissions of every user, from the catalog and the rules. With a bus namespace (BUS_NAMESPACE of the
 * system's services and clients) the catalog subjects are `<ns>.<subject>` and the streams `<ns>_<NAME>`, as the
 * bus puts them on the wire; reply inboxes are not namespaced.
 */
export function natsPermissions(cat: MessageCatalog = catalog, namespace = ''): UserPermissions[] {
  const byEntry = rulesByEntry(cat);
  const rulesUsed = [...new Set(byEntry.values())];
  const onWire = (subject: string) => (namespace === '' ? subject : `${namespace}.${subject}`);
  const system = namespace === '' ? SYSTEM_PUBLISH : systemPublish((name) => `${namespace}_${name}`);
  return NATS_USERS.map((user) => {
    const publish = rulesUsed.filter((r) => r.publish.includes(user)).map((r) => r.match);
    const subscribe = rulesUsed.filter((r) => r.subscribe.includes(user)).map((r) => onWire(subscribeGrant(r.match)));
    const serves = [...byEntry].some(([entry, r]) => entry.kind === 'request' && r.subscribe.includes(user));
    const service = PROBED[user];
    // The container healthcheck asks the service itself one cheap question, with the service's own user.
    const probeSubject = service === undefined ? undefined : probeFor(service)?.subject;
    const probe = probeSubject === undefined ? undefined : cat.lookup(probeSubject)?.pattern;
    if (probe !== undefined && !publish.includes(probe)) publish.push(probe);
    return {
      user,
      publish: [...publish.map(onWire), ...system[user]],
      subscribe: [...subscribe, `${inboxPrefixOf(user)}.>`],
      allowResponses: serves,
    };
  });
}

/** True when `subject` (concrete) matches the NATS pattern `pattern`. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/** The server configuration block (included by nats.conf); public keys come from the environment. */
export function renderAuthConf(cat: MessageCatalog = catalog, namespace = ''): string {
  const list = (xs: readonly string[]) => `[\n${xs.map((x) => `          ${JSON.stringify(x)}`).join('\n')}\n        ]`;
  const users = natsPermissions(cat, namespace).map(
    (p) => `    # ${USER_DESCRIPTIONS[p.user]}
    {
      nkey: $${nkeyVariableOf(p.user)}
      permissions: {
        publish: { allow: ${list(p.publish)} }
        subscribe: { allow: ${list(p.subscribe)} }${p.allowResponses ? '\n        allow_responses: true' : ''}
      }
    }`,
  );
  return `# Generated by \`npm run nats:config\` from infra/nats/permissions.ts (the catalog of libs/contracts plus the
# rules there): do not edit. CI checks that it is current.
# One NATS user per service and role, each identified by an NKey whose public key the server reads from the
# environment (${nkeyVariableOf('orders')}, ...: \`npm run nats:users\` writes them to .secrets/nats/users.env and
# each user's seed beside it). A user may do only what is listed; everything else is refused by the server.
authorization {
  # Seconds a client has to answer the server's NKey challenge (default 2): the services of a deployment start at
  # once, and on a loaded host a starting process answered late and was refused (Authentication Timeout).
  timeout: 10
  users = [
${users.join('\n')}
  ]
}
`;
}
