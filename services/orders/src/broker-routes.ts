/**
 * The brokers the OMS routes to: the configured ones, plus — when adoption is on — every broker a gateway
 * announces on `broker.<name>.status` later (an SDK `addBroker` at run time). What each takes is not configured
 * here: it comes from the broker's own announcement (BrokerStatus.capabilities).
 */
export class BrokerRoutes {
  private readonly routes = new Set<string>();

  constructor(
    configured: readonly { readonly name: string }[],
    private readonly adopt: boolean,
  ) {
    for (const r of configured) this.routes.add(r.name);
  }

  has(name: string): boolean {
    return this.routes.has(name);
  }

  names(): string[] {
    return [...this.routes];
  }

  /** Adds `name` when adoption is on and it is new; true when it was added. */
  adoptIfNew(name: string): boolean {
    if (!this.adopt || this.routes.has(name)) return false;
    this.routes.add(name);
    return true;
  }
}
