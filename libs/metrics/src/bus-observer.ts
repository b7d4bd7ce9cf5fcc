/** The bus's traffic as Prometheus series, labelled by catalog family (bounded: one per catalog pattern). */
import type { BusObserver } from '@trading-system/bus';
import { counter, histogram, type Registry } from './registry.js';

export function busObserver(registry: Registry): BusObserver {
  const messages = counter(registry, {
    name: 'trading_bus_messages_total',
    help: 'Messages through the bus by direction (in = handed to a handler, out = sent), catalog family and kind',
    labelNames: ['direction', 'family', 'kind'],
  });
  const handlerSeconds = histogram(registry, {
    name: 'trading_bus_handler_seconds',
    help: 'Time a message handler ran, seconds, by catalog family and kind (subscription, request, stream)',
    labelNames: ['family', 'kind'],
  });
  const handlerErrors = counter(registry, {
    name: 'trading_bus_handler_errors_total',
    help: 'Handlers that threw (or answered with an internal error), by catalog family and kind',
    labelNames: ['family', 'kind'],
  });
  const rejected = counter(registry, {
    name: 'trading_bus_rejected_total',
    help: 'Inbound messages refused before any handler (bad_json, oversize, schema, unknown_subject)',
    labelNames: ['family', 'reason'],
  });
  const requestSeconds = histogram(registry, {
    name: 'trading_bus_request_seconds',
    help: 'Round trip of requests this process made, seconds, by catalog family and outcome',
    labelNames: ['family', 'outcome'],
  });
  return {
    sent: (family, kind) => messages.inc({ direction: 'out', family, kind }),
    received: (family, kind) => messages.inc({ direction: 'in', family, kind }),
    handled: (family, kind, seconds, failed) => {
      handlerSeconds.observe({ family, kind }, seconds);
      if (failed) handlerErrors.inc({ family, kind });
    },
    rejected: (family, reason) => rejected.inc({ family, reason }),
    requested: (family, seconds, outcome) => requestSeconds.observe({ family, outcome }, seconds),
  };
}
