/**
 * Query latency of a Kysely database as a histogram by table and operation, through a plugin: no change to the
 * services' queries. The time runs from compilation to the result, so it includes waiting for a pooled connection
 * (PGlite serves one statement at a time): the latency the service sees. A failed query has no result and is not
 * timed. `trading_db_query_seconds{table="orders.order_events",op="insert"}` is the OMS's ledger write latency.
 */
import type { Kysely, KyselyPlugin, OperationNode, RootOperationNode } from 'kysely';
import { histogram, type Registry } from './registry.js';

export function instrumentDatabase<DB>(db: Kysely<DB>, registry: Registry): Kysely<DB> {
  return db.withPlugin(queryTimingPlugin(registry));
}

export function queryTimingPlugin(registry: Registry): KyselyPlugin {
  const seconds = histogram(registry, {
    name: 'trading_db_query_seconds',
    help: 'Database statements from compilation to result, seconds, by schema-qualified table and operation',
    labelNames: ['table', 'op'],
  });
  const started = new WeakMap<object, { at: number; table: string; op: string }>();
  return {
    transformQuery({ queryId, node }) {
      started.set(queryId, { at: performance.now(), ...describe(node) });
      return node;
    },
    async transformResult({ queryId, result }) {
      const s = started.get(queryId);
      if (s !== undefined) {
        started.delete(queryId);
        seconds.observe({ table: s.table, op: s.op }, (performance.now() - s.at) / 1_000);
      }
      return result;
    },
  };
}

function describe(node: RootOperationNode): { table: string; op: string } {
  switch (node.kind) {
    case 'SelectQueryNode':
      return { op: 'select', table: tableOf(node.from?.froms[0]) };
    case 'InsertQueryNode':
      return { op: 'insert', table: tableOf(node.into) };
    case 'UpdateQueryNode':
      return { op: 'update', table: tableOf(node.table) };
    case 'DeleteQueryNode':
      return { op: 'delete', table: tableOf(node.from.froms[0]) };
    case 'RawNode':
      return { op: 'raw', table: '' };
    default:
      return { op: 'other', table: '' };
  }
}

interface Named {
  readonly kind: string;
  readonly table?: { readonly schema?: { readonly name: string }; readonly identifier: { readonly name: string } };
  readonly node?: OperationNode;
}

function tableOf(node: OperationNode | undefined): string {
  let n = node as Named | undefined;
  if (n?.kind === 'AliasNode') n = n.node as Named | undefined;
  if (n?.kind !== 'TableNode' || n.table === undefined) return '';
  const schema = n.table.schema?.name;
  return schema === undefined ? n.table.identifier.name : `${schema}.${n.table.identifier.name}`;
}
