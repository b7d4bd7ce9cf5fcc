import type { BrokerRules } from './validation.js';

/**
 * The brokers the OMS routes to: the configured ones, plus — when adoption is on — every broker a gateway
 * announces on `broker.<name>.status` later (an SDK `addBroker` at run time), with the default rules.
 */
export class BrokerRoutes {
  private readonly routes = new Map<string, BrokerRules>();

  constructor(
    configured: readonly BrokerRules[],
    private readonly adopt: boolean,
  ) {
    for (const r of configured) this.routes.set(r.name, r);
  }

  rules(name: string): BrokerRules | undefined {
    return this.routes.get(name);
  }

  has(name: string): boolean {
    return this.routes.has(name);
  }

  names(): string[] {
    return [...this.routes.keys()];
  }

  /** Adds `name` with the default rules when adoption is on and it is new; true when it was added. */
  adoptIfNew(name: string): boolean {
    if (!this.adopt || this.routes.has(name)) return false;
    this.routes.set(name, { name, allowGtc: true });
    return true;
  }
}
