/**
 * The incoming-message table: message id → handler. Part 1 registers connection, contract and market-data
 * handlers; the exchange front (orders, accounts) registers its own with `register`, replacing any
 * placeholder for the same id.
 */
import type { FieldReader } from '../wire/fields.js';
import type { Session } from './session.js';
import type { SimContext } from './sim-context.js';

/** Handles one client message. Throwing MessageParseError makes the session answer 320 and close. */
export type Handler = (session: Session, r: FieldReader, sim: SimContext) => void;

export class HandlerRegistry {
  private readonly handlers = new Map<number, Handler>();

  register(messageId: number, handler: Handler): void {
    this.handlers.set(messageId, handler);
  }

  get(messageId: number): Handler | undefined {
    return this.handlers.get(messageId);
  }

  has(messageId: number): boolean {
    return this.handlers.has(messageId);
  }
}
