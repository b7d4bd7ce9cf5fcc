/**
 * Order messages to IB (placeOrder for a new order or a modification, cancelOrder) through the session's outbound
 * governor, with a time budget: a command answers only once @stoqey/ib has written its message to the socket, and
 * every failure means nothing was sent — BROKER_BUSY when the queue ahead cannot drain within the budget,
 * BROKER_DISCONNECTED when the session went down first, ORDER_REJECTED when the library refused to encode it.
 */
import { ContractError } from '@trading-system/contracts';
import { type OutboundGovernor, orderAnswer } from './governor.js';
import type { IbPort } from './ib-port.js';
import { IbWriteError } from './ib-writes.js';

/** What order writes need of their session. */
export interface OrderWriteSession {
  readonly name: string;
  readonly governor: OutboundGovernor;
  readonly isReady: boolean;
  /** Throws BROKER_DISCONNECTED when the session is not usable. */
  requireReady(): void;
}

export class OrderWrites {
  constructor(
    private readonly session: OrderWriteSession,
    private readonly port: IbPort,
  ) {}

  /**
   * Queues one order message and resolves once @stoqey/ib has written it to the socket. BROKER_BUSY at once when
   * the messages ahead cannot drain within `budgetMs` (details.retryAfterMs), or when its turn did not come within
   * `budgetMs` after all (cancels jumped ahead); BROKER_DISCONNECTED when the session went down first;
   * ORDER_REJECTED when the library refused to encode it (details.brokerCode). `newOrderId`: the id of a new
   * order (never sent before), whose first answer proves the message read (governor.ts); not for a modification.
   */
  write(
    priority: 'order' | 'cancel',
    what: string,
    budgetMs: number,
    call: (port: IbPort) => Promise<void>,
    newOrderId?: number,
  ): Promise<void> {
    const { session } = this;
    session.requireReady();
    try {
      this.admit(priority, what, budgetMs);
    } catch (err) {
      return Promise.reject(err);
    }
    const started = Date.now();
    return new Promise<void>((resolve, reject) => {
      const notSent = (err: unknown): void => {
        if (err instanceof IbWriteError && err.code !== undefined) {
          reject(
            new ContractError('ORDER_REJECTED', `${what} refused before sending: ${err.message}`, {
              cause: err,
              details: { brokerCode: err.code },
            }),
          );
          return;
        }
        reject(
          new ContractError('BROKER_DISCONNECTED', `${what} not sent: ${session.name} session ended`, { cause: err }),
        );
      };
      session.governor.submit(
        priority,
        () => {
          if (!session.isReady) {
            notSent(undefined);
            return;
          }
          try {
            call(this.port).then(resolve, notSent);
          } catch (err) {
            notSent(err);
          }
        },
        {
          ...(newOrderId === undefined ? {} : { answeredBy: orderAnswer(newOrderId) }),
          deadlineMs: started + budgetMs,
          onDrop: (reason) =>
            reason === 'deadline'
              ? reject(this.busy(what, session.governor.estimateWaitMs(priority), budgetMs))
              : notSent(undefined),
        },
      );
    });
  }

  /**
   * Throws BROKER_BUSY when an order message submitted now could not be written within `budgetMs`. A tenth of
   * the budget is held back for timer drift: what is admitted goes out in time, what is not is refused at once.
   */
  admit(priority: 'order' | 'cancel', what: string, budgetMs: number): void {
    const waitMs = this.session.governor.estimateWaitMs(priority);
    if (waitMs > budgetMs * 0.9) throw this.busy(what, waitMs, budgetMs * 0.9);
  }

  private busy(what: string, waitMs: number, budgetMs: number): ContractError {
    const retryAfterMs = Math.max(100, Math.ceil(waitMs - budgetMs));
    return new ContractError(
      'BROKER_BUSY',
      `${what} not sent: ${this.session.name}'s outbound queue needs ~${Math.ceil(waitMs)} ms, budget ${budgetMs} ms`,
      { details: { retryAfterMs, queued: this.session.governor.queued } },
    );
  }
}
