/**
 * The latest status of a broker the OMS routes to: its connection state, managed accounts and announced
 * capabilities, from the bus (LiveState, fed by `broker.<name>.status`), or asked for once when none arrived yet.
 */
import type { BrokerStatus } from '@trading-system/contracts';
import type { OmsContext } from './context.js';
import { type Denial, deny } from './validation.js';

/** The broker's latest status (its connection state, accounts and capabilities); asked for when none arrived yet. */
export async function brokerStatus(ctx: OmsContext, broker: string): Promise<BrokerStatus | Denial> {
  let status = ctx.live.status(broker);
  if (status === undefined) {
    const outcome = await ctx.brokers.call(broker, 'status', { v: 1 });
    if (outcome.kind !== 'sent')
      return deny('BROKER_DISCONNECTED', 'brokerStatus', `broker ${broker} status unavailable: ${outcome.message}`);
    status = outcome.reply.status;
    ctx.live.onStatus(status);
  }
  if (status.state === 'disconnected')
    return deny('BROKER_DISCONNECTED', 'brokerStatus', `broker ${broker} is disconnected`);
  return status;
}

/**
 * Whether the OMS routes to `broker`, adopting it first when adoption is on and its gateway answers for it. The
 * OMS otherwise adopts a broker from its first `broker.<name>.status`, which travels to the OMS on its own
 * connection: a client that saw the broker connected (addBroker's reply) may submit before that status arrives
 * here, and that order must not be refused BROKER_UNKNOWN. Asking the gateway settles it at once: it answers
 * when it hosts the broker (no responders is immediate when none does).
 */
export async function routable(ctx: OmsContext, broker: string): Promise<boolean> {
  if (ctx.routes.has(broker)) return true;
  if (!ctx.routes.adopting) return false;
  const outcome = await ctx.brokers.call(broker, 'status', { v: 1 });
  if (outcome.kind !== 'sent' || outcome.reply.status.broker !== broker) return false;
  ctx.live.onStatus(outcome.reply.status);
  ctx.routes.adoptIfNew(broker);
  return true;
}
