/**
 * `broker.<b>.status`: a disconnected broker marks its lines down; a new gateway instance (BrokerStatus.instanceId)
 * holds none of our subscriptions, so its lines are asked for again.
 */
import type { BrokerStatus } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { GatewayLines } from '../gateway-lines.js';

export function brokerStatusHandler(lines: GatewayLines, log: Logger): (status: BrokerStatus) => void {
  return ({ broker, state, instanceId }) => {
    if (state === 'disconnected') {
      for (const line of lines.lines.values()) if (line.broker === broker) line.brokerDown();
      return;
    }
    if (instanceId === undefined) return;
    for (const line of lines.lines.values()) {
      if (line.broker !== broker || lines.heldElsewhere(line, instanceId).length === 0) continue;
      lines
        .requestAgain(line, instanceId)
        .catch((err: unknown) => log.error({ err, key: line.key }, 'asking the gateway again failed'));
    }
  };
}
