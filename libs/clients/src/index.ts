/**
 * Public surface of @trading-system/clients: the client side of the services' bus APIs, shared by the SDK, the
 * CLI, the bench and the services' own tests, so a lib never imports a service to talk to it (issue 17: one
 * client per service; history's streamed requests are the first).
 */
export {
  type BarColumnsResult,
  type BarsResult,
  fetchBarColumns,
  fetchBars,
  fetchExport,
  HistoryStreamError,
  type StreamOptions,
  type TextResult,
} from './history.js';
