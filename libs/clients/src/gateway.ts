import type { Bus } from '@trading-system/bus';
import type { GatewayCommandBody, GatewayCommandName, GatewayCommandOk } from '@trading-system/contracts';
import { type CallOptions, callGateway } from './request.js';

/** The client of a gateway process (`gateway.<type>.cmd.*`): the broker connections it hosts. */
export class GatewayClient {
  constructor(
    private readonly bus: Bus,
    private readonly options: CallOptions,
  ) {}

  call<V extends GatewayCommandName>(
    gatewayType: string,
    verb: V,
    body: GatewayCommandBody<V>,
  ): Promise<GatewayCommandOk<V>> {
    return callGateway(this.bus, gatewayType, verb, body, this.options);
  }
}
