/**
 * The TWS error codes and wire texts ib-sim sends (spec §4.1). One registry so handlers never spell a text
 * twice. Functions take the variable parts.
 */

export const TWS_ERRORS = {
  rateExceeded: { code: 100, text: 'Max rate of messages per second has been exceeded.' },
  maxTickers: { code: 101, text: 'Max number of tickers has been reached' },
  duplicateTicker: { code: 102, text: 'Duplicate ticker ID' },
  noSecurityDefinition: { code: 200, text: 'No security definition has been found for the request' },
  cantFindTicker: { code: 300, text: "Can't find EId with tickerId:" },
  clientIdInUse: {
    code: 326,
    text: 'Unable to connect as the client id is already in use. Retry with a unique client id.',
  },
  autoBindNotZero: {
    code: 327,
    text: 'Only API connections with clientId set to 0 can set the auto bind TWS orders property.',
  },
  noHistoricalQuery: { code: 366, text: 'No historical data query found for ticker id:' },
  connectivityLost: { code: 1100, text: 'Connectivity between IB and Trader Workstation has been lost.' },
  restoredDataLost: {
    code: 1101,
    text: 'Connectivity between IB and Trader Workstation has been restored - data lost.',
  },
  restoredDataMaintained: {
    code: 1102,
    text: 'Connectivity between IB and Trader Workstation has been restored - data maintained.',
  },
  impliedTimeZone: { code: 2174, text: '' },
  competingSession: { code: 10197, text: 'No market data during competing live session' },
  endDateInvalid: { code: 10314, text: '' },
  // Reference data and miscellaneous requests (handlers/reference-data.ts, news.ts, scanner.ts, fa.ts).
  noScannerSubscription: { code: 365, text: 'No scanner subscription found for ticker id:' },
  /** A paper account without the Reuters fundamentals entitlement (every report type, 2024-2026 captures). */
  fundamentalsNotAllowed: { code: 10358, text: 'Fundamentals data is not allowed.' },
  newsArticleNoData: { code: 10172, text: 'Failed to request news article: No data available' },
  /** reqWshMetaData / reqWshEventData without the Wall Street Horizon subscription. */
  wshNotAllowed: { code: 10276, text: 'News feed is not allowed.' },
} as const;

/** 162 — HMDS refusals and notices. */
export function hmdsError(detail: string): { code: number; text: string } {
  return { code: 162, text: `Historical Market Data Service error message:${detail}` };
}

/** 320 — a client message that could not be parsed; TWS then closes the socket. */
export function readError(messageId: number | string, detail: string): { code: number; text: string } {
  return {
    code: 320,
    text: `Error reading request:Message type ${messageId}.  Unable to parse data. java.lang.NumberFormatException: ${detail}`,
  };
}

/** 321 — request validation. The two letters are an obfuscated class name in real TWS. */
export function validationError(cause: string): { code: number; text: string } {
  return { code: 321, text: `Error validating request.-'bM' : cause - ${cause}` };
}

/**
 * 321 with the class letters TWS puts in the text of that request, where captures show them (ibx's reference
 * gateway traces): 'cd' market rules, 'ca' historical news, 'cg' news articles, 'co' scanner, 'bL' fundamentals,
 * 'V' smart components, 'b9' requestFA, 'b1' replaceFA.
 */
export function validationErrorIn(letters: string, cause: string): { code: number; text: string } {
  return { code: 321, text: `Error validating request.-'${letters}' : cause - ${cause}` };
}

/** 322 with the class letters of the request (see validationErrorIn). */
export function processingErrorIn(letters: string, cause: string): { code: number; text: string } {
  return { code: 322, text: `Error processing request.-'${letters}' : cause - ${cause}` };
}

/** 165 — HMDS notices that do not end the request (e.g. a scan with no rows). */
export function hmdsQueryMessage(detail: string): { code: number; text: string } {
  return { code: 165, text: `Historical Market Data Service query message:${detail}` };
}

/** 322 — limits while processing a request. */
export function processingError(cause: string): { code: number; text: string } {
  return { code: 322, text: `Error processing request.-'b1' : cause - ${cause}` };
}

/** Default texts of the connectivity notices the control surface can broadcast (id -1). */
export function noticeText(code: number, farm?: string): string {
  switch (code) {
    case 1100:
      return TWS_ERRORS.connectivityLost.text;
    case 1101:
      return TWS_ERRORS.restoredDataLost.text;
    case 1102:
      return TWS_ERRORS.restoredDataMaintained.text;
    case 2103:
      return `Market data farm connection is broken:${farm ?? 'usfarm'}`;
    case 2104:
      return `Market data farm connection is OK:${farm ?? 'usfarm'}`;
    case 2105:
      return `HMDS data farm connection is broken:${farm ?? 'ushmds'}`;
    case 2106:
      return `HMDS data farm connection is OK:${farm ?? 'ushmds'}`;
    case 2107:
      return `HMDS data farm connection is inactive but should be available upon demand.${farm ?? 'ushmds'}`;
    case 2108:
      return `Market data farm connection is inactive but should be available upon demand.${farm ?? 'usfarm'}`;
    case 2110:
      return 'Connectivity between Trader Workstation and server is broken. It will be restored automatically.';
    case 2157:
      return `Sec-def data farm connection is broken:${farm ?? 'secdefnj'}`;
    case 2158:
      return `Sec-def data farm connection is OK:${farm ?? 'secdefnj'}`;
    case 10197:
      return TWS_ERRORS.competingSession.text;
    default:
      return `Notice ${code}`;
  }
}
