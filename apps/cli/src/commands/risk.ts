/**
 * `risk [--set name=value ...] [--account A | --strategy S]`: the OMS's pre-trade risk limits (orders.riskLimits).
 * Without --set it prints the set; with it the named limits are changed and the others kept.
 */
import type { RiskLimits, RiskLimitsInput } from '@trading-system/sdk';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { renderRecord } from '../format/table.js';
import { writeJson } from '../output.js';

const usage = 'trading-system risk [--set name=value ...] [--account A | --strategy S] [--json]';

const LIMITS = [
  'maxOrderQuantity',
  'maxOrderNotional',
  'maxPosition',
  'priceCollarPercent',
  'maxOpenOrders',
  'maxCommandsPerSecond',
] as const satisfies readonly (keyof RiskLimits)[];
const INTEGER = new Set<string>(['maxOpenOrders', 'maxCommandsPerSecond']);

export function parseLimit(text: string): RiskLimitsInput {
  const [name = '', value = ''] = text.split('=', 2);
  if (!(LIMITS as readonly string[]).includes(name))
    throw new UsageError(
      `unknown risk limit '${name}'`,
      `one of: ${LIMITS.join(', ')}; e.g. --set maxOrderQuantity=500`,
    );
  const ok = INTEGER.has(name) ? /^[1-9]\d*$/.test(value) : /^(0|[1-9]\d*)(\.\d+)?$/.test(value) && Number(value) > 0;
  if (!ok)
    throw new UsageError(
      `bad value '${value}' for ${name}`,
      INTEGER.has(name) ? `${name} is a positive whole number` : `${name} is a positive decimal, e.g. ${name}=500`,
    );
  return { [name]: INTEGER.has(name) ? Number(value) : value };
}

export const riskCommand: Command = {
  name: 'risk',
  usage,
  summary: 'show or change the pre-trade risk limits (default set, or one account or strategy)',
  help:
    `Flags:\n  --set name=value   change one limit (repeatable); the others are kept. Limits: ${LIMITS.join(', ')}\n` +
    '  --account A        the limits of one account\n  --strategy S       the limits of one strategy tag\n' +
    '  --json             the limits as JSON\nThe default set keeps the shipped limits: raise or lower them, never remove.',
  async run(argv, io) {
    const { values } = parseCommandArgs(
      argv,
      { set: { type: 'string', multiple: true }, account: { type: 'string' }, strategy: { type: 'string' } },
      usage,
      { min: 0, max: 0 },
    );
    if (values.help) {
      io.stdout.write(`${usage}\n\n${riskCommand.help}\n`);
      return ExitCode.ok;
    }
    if (values.account !== undefined && values.strategy !== undefined)
      throw new UsageError('give --account or --strategy, not both', `usage: ${usage}`);
    const changes: RiskLimitsInput = Object.assign({}, ...(values.set ?? []).map(parseLimit));
    const scope = {
      ...(values.account === undefined ? {} : { account: values.account }),
      ...(values.strategy === undefined ? {} : { strategy: values.strategy }),
    };
    const ts = await io.system({ broker: values.broker });
    let limits = await ts.getRiskLimits(scope);
    if (Object.keys(changes).length > 0) limits = await ts.setRiskLimits({ ...limits, ...changes }, scope);
    if (values.json) writeJson(io.stdout, limits);
    else {
      const rows = LIMITS.map((k): [string, string] => [
        k,
        limits[k] === undefined ? 'not checked' : String(limits[k]),
      ]);
      const title = values.account ?? values.strategy;
      io.stdout.write(`${title === undefined ? 'default limits' : `limits of ${title}`}\n${renderRecord(rows)}`);
    }
    return ExitCode.ok;
  },
};
