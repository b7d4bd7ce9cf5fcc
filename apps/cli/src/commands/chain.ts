/**
 * `chain <symbol>`: the option chain of an underlying as a table by expiry and strike (calls left, puts right,
 * bid / ask / IV / delta), one snapshot of every listed option of the expiry through market-data's md.snapshot.
 */
import type { InstrumentRef } from '@trading-system/contracts';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { type ChainRow, chainColumns, chainSide } from '../format/chain.js';
import { renderTable } from '../format/table.js';
import { writeJson } from '../output.js';

const usage = 'trading-system chain <symbol> [--expiry YYYYMMDD] [--exchange X] [--strikes N] [--json]';

export const chainCommand: Command = {
  name: 'chain',
  usage,
  summary: 'option chain of an underlying: bid / ask / IV / delta by expiry and strike',
  help: `Flags:
  --expiry YYYYMMDD  the expiry to show (default the nearest); "all" lists every expiry and strike without quotes
  --exchange X       listings of one exchange (default every one; quotes are SMART-routed)
  --strikes N        the N strikes nearest the underlying price (default all)
  --json             { symbol, instrumentId, expirations, strikes, expiry, rows: [{ strike, call, put }] } with greeks
To trade one: trading-system order buy 1 AAPL --sec-type OPT --expiry 20240315 --strike 175 --right C --type lmt --limit 2.50`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { expiry: { type: 'string' }, exchange: { type: 'string' }, strikes: { type: 'string' } },
      usage,
      { min: 1, max: 1 },
    );
    if (values.help) {
      io.stdout.write(`${usage}\n\n${chainCommand.help}\n`);
      return ExitCode.ok;
    }
    const nearest = values.strikes === undefined ? undefined : Number(values.strikes);
    if (nearest !== undefined && !(Number.isInteger(nearest) && nearest > 0))
      throw new UsageError(`--strikes must be a positive whole number, got '${values.strikes}'`, 'e.g. --strikes 10');
    const symbol = (positionals[0] as string).toUpperCase();
    const ts = await io.system({ broker: values.broker });
    const chain = await ts.getOptionChain(symbol, values.exchange === undefined ? {} : { exchange: values.exchange });
    if (values.expiry === 'all') {
      const summary = {
        symbol,
        instrumentId: chain.instrumentId,
        expirations: chain.expirations,
        strikes: chain.exact.strikes,
      };
      if (values.json) writeJson(io.stdout, { ...summary, listings: chain.exact.listings });
      else
        io.stdout.write(
          `${symbol} expirations: ${chain.expirations.join(' ')}\nstrikes: ${chain.exact.strikes.join(' ')}\n`,
        );
      return ExitCode.ok;
    }
    const expiry = values.expiry ?? chain.expirations[0];
    if (expiry === undefined) {
      io.stderr.write(`${symbol}: no options listed\n`);
      return ExitCode.failed;
    }
    if (!chain.expirations.includes(expiry))
      throw new UsageError(`${symbol} has no expiry ${expiry}`, `listed: ${chain.expirations.join(' ')}`);
    let strikes = [...chain.exact.strikes];
    const broker = values.broker ?? ts.defaultBroker;
    const snapshot = (instruments: InstrumentRef[]) => ts.getQuoteSnapshots(instruments, { broker, timeoutMs: 30_000 });
    if (nearest !== undefined) {
      const [under] = await snapshot([{ id: chain.instrumentId }]);
      const tick = under?.ok ? under.tick : undefined;
      const ref = Number(tick?.last ?? tick?.bid ?? strikes[Math.floor(strikes.length / 2)]);
      strikes = strikes
        .sort((a, b) => Math.abs(Number(a) - ref) - Math.abs(Number(b) - ref))
        .slice(0, nearest)
        .sort((a, b) => Number(a) - Number(b));
    }
    const option = (strike: string, right: 'C' | 'P'): InstrumentRef => ({
      secType: 'OPT',
      symbol,
      exchange: 'SMART',
      currency: chain.exact.underlying.currency,
      expiry,
      strike,
      right,
    });
    const rows: ChainRow[] = [];
    // md.snapshot takes at most 100 instruments: 50 strikes (calls and puts) per request.
    for (let i = 0; i < strikes.length; i += 50) {
      const batch = strikes.slice(i, i + 50);
      const items = await snapshot(batch.flatMap((k) => [option(k, 'C'), option(k, 'P')]));
      for (const [j, strike] of batch.entries())
        rows.push({ expiry, strike, call: items[2 * j], put: items[2 * j + 1] });
    }
    if (values.json) {
      writeJson(io.stdout, {
        symbol,
        instrumentId: chain.instrumentId,
        expirations: chain.expirations,
        strikes: chain.exact.strikes,
        expiry,
        rows: rows.map((r) => ({ strike: r.strike, call: chainSide(r.call), put: chainSide(r.put) })),
      });
    } else {
      io.stdout.write(`${symbol} options expiring ${expiry} (expirations: ${chain.expirations.join(' ')})\n`);
      io.stdout.write(renderTable(rows, chainColumns));
    }
    return ExitCode.ok;
  },
};
