/** Strategy loggers: lines on a stream (stderr by default) stamped with the market time, or nothing. */
import type { StrategyLogger } from './types.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface LogLine {
  readonly level: Exclude<LogLevel, 'silent'>;
  readonly time: number;
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

/** A logger that hands each line to `sink` (stamped with `now()`), from `level` up. */
export function createStrategyLogger(
  now: () => number,
  sink: (line: LogLine) => void,
  level: LogLevel = 'info',
): StrategyLogger {
  const min = ORDER[level];
  const at =
    (l: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (ORDER[l] >= min) sink({ level: l, time: now(), message, fields });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** `2024-01-02T14:31:00.000Z info  message {"k":1}` on a stream. */
export function streamSink(stream: NodeJS.WritableStream): (line: LogLine) => void {
  return (line) => {
    const fields = line.fields === undefined ? '' : ` ${JSON.stringify(line.fields)}`;
    stream.write(`${new Date(line.time).toISOString()} ${line.level.padEnd(5)} ${line.message}${fields}\n`);
  };
}
