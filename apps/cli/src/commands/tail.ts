/** `tail <subject>`: every message on a subject pattern (`md.tick.>`, `orders.evt.*.*.filled`), as it arrives. */
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatTime } from '../format/table.js';
import { writeJsonLine } from '../output.js';

const usage = "trading-system tail <subject> [--count N] [--json]   e.g. tail 'md.tick.>'";

/** NATS subject rules: non-empty tokens without whitespace, `*` a whole token, `>` only as the last token. */
export function checkSubjectPattern(subject: string): void {
  const tokens = subject.split('.');
  tokens.forEach((t, i) => {
    const bad =
      t === '' ||
      /\s/.test(t) ||
      (t.includes('*') && t !== '*') ||
      (t.includes('>') && (t !== '>' || i !== tokens.length - 1));
    if (bad)
      throw new UsageError(
        `bad subject pattern '${subject}'`,
        "dot-separated tokens; '*' matches one token, '>' the rest (last token only): e.g. 'md.tick.>' or 'orders.evt.*.*.filled'",
      );
  });
}

export const tailCommand: Command = {
  name: 'tail',
  usage,
  ownsInterrupt: true,
  summary: "print every message on a subject pattern until Ctrl-C (e.g. 'md.tick.>'; --json: NDJSON)",
  help: `Subjects are listed in docs/subjects.md. Only messages valid for the catalog are shown.
Flags:
  --count N   stop after N messages (exit 0)
  --json      one JSON object per line: { subject, data, receivedAt }`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { count: { type: 'string' } }, usage, { min: 1, max: 1 });
    if (values.help) {
      io.stdout.write(`${usage}\n\n${tailCommand.help}\n`);
      return ExitCode.ok;
    }
    const subject = positionals[0] ?? '';
    checkSubjectPattern(subject);
    const count = values.count === undefined ? Number.POSITIVE_INFINITY : Number(values.count);
    if (!Number.isInteger(count) && count !== Number.POSITIVE_INFINITY)
      throw new UsageError(`--count must be a whole number, got '${values.count}'`, 'e.g. --count 10');
    const ts = await io.system({ broker: values.broker });
    let seen = 0;
    let enough: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => {
      enough = resolve;
    });
    const sub = ts.bus.subscribe(subject, (m) => {
      if (seen >= count) return;
      seen++;
      const receivedAt = Date.now();
      if (values.json) writeJsonLine(io.stdout, { subject: m.subject, data: m.data, receivedAt });
      else io.stdout.write(`${formatTime(receivedAt)}  ${m.subject}  ${JSON.stringify(m.data)}\n`);
      if (seen >= count) enough();
    });
    try {
      if (!values.json) io.stderr.write(`listening on ${subject}; Ctrl-C to stop\n`);
      const why = await Promise.race([
        reached.then(() => 'count' as const),
        io.interrupted.then(() => 'interrupted' as const),
      ]);
      return why === 'count' ? ExitCode.ok : ExitCode.interrupted;
    } finally {
      sub.unsubscribe();
    }
  },
};
