/**
 * The brokers the OMS routes to: the configured ones, plus — when adoption is on — every broker a gateway
 * announces on `broker.<name>.status` later (an SDK `addBroker` at run time). What each takes is not configured
 * here: it comes from the broker's own announcement (BrokerStatus.capabilities).
 */
export class BrokerRoutes {
  private readonly routes = new Set<string>();
  /** Called once per adopted broker (the service starts its event consumer and reconciles it). */
  onAdopted: (name: string) => void = () => undefined;

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

  /** Whether brokers announced at run time are adopted (ORDERS_ADOPT_BROKERS). */
  get adopting(): boolean {
    return this.adopt;
  }

  /** Adds `name` when adoption is on and it is new (and tells onAdopted); true when it was added. */
  adoptIfNew(name: string): boolean {
    if (!this.adopt || this.routes.has(name)) return false;
    this.routes.add(name);
    this.onAdopted(name);
    return true;
  }
}
