/**
 * IB's historical-data pacing rules (spec §4.3), shared by all connections like a real TWS login:
 * 1. an identical request within 15 s; 2. six or more requests for the same contract, exchange and tick type
 * within 2 s; 3. more than 60 requests within any 10 minutes. BID_ASK counts twice. Requests refused for
 * pacing are not counted. `timeScale` divides the windows (tests keep the rules while shrinking the waits).
 * By default, like IB's documentation says, only bar sizes of 30 secs and below are paced.
 */

export interface PacingOptions {
  readonly enabled: boolean;
  /** Windows are divided by this factor (1 = IB's real windows). */
  readonly timeScale: number;
  /** Pace every bar size, not only ≤ 30 secs. */
  readonly allBarSizes: boolean;
}

export const DEFAULT_PACING: PacingOptions = { enabled: true, timeScale: 1, allBarSizes: false };

export interface PacedRequest {
  /** Every request parameter, for the identical-request rule. */
  readonly identity: string;
  /** conId + exchange + whatToShow, for the burst rule. */
  readonly series: string;
  readonly barSeconds: number;
  readonly bidAsk: boolean;
}

export type PacingVerdict = 'ok' | 'identical' | 'burst' | 'rate';

interface Entry {
  readonly atMs: number;
  readonly identity: string;
  readonly series: string;
  readonly weight: number;
}

export class HistoricalPacer {
  private entries: Entry[] = [];

  constructor(private readonly options: PacingOptions) {}

  private window(ms: number): number {
    return ms / this.options.timeScale;
  }

  /** Decides and, when accepted, records the request. */
  admit(request: PacedRequest, nowMs: number): PacingVerdict {
    if (!this.options.enabled) return 'ok';
    if (!this.options.allBarSizes && request.barSeconds > 30) return 'ok';
    const tenMinutes = this.window(600_000);
    this.entries = this.entries.filter((e) => nowMs - e.atMs < tenMinutes);
    if (this.entries.some((e) => e.identity === request.identity && nowMs - e.atMs < this.window(15_000))) {
      return 'identical';
    }
    const burst = this.entries
      .filter((e) => e.series === request.series && nowMs - e.atMs < this.window(2_000))
      .reduce((n, e) => n + e.weight, 0);
    const weight = request.bidAsk ? 2 : 1;
    if (burst + weight >= 6) return 'burst';
    const total = this.entries.reduce((n, e) => n + e.weight, 0);
    if (total + weight > 60) return 'rate';
    this.entries.push({ atMs: nowMs, identity: request.identity, series: request.series, weight });
    return 'ok';
  }
}
