import { Writable } from 'node:stream';
import { createLogger, Lifecycle, LifecycleError } from '@trading-system/runtime';
import { describe, expect, test } from 'vitest';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  test('JSON lines with service, redacted secrets at any of three levels, errors under err with cause', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: 'svc', level: 'debug', destination });
    const err = new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'ECONNREFUSED' }) });
    logger
      .child({ component: 'nats' })
      .error(
        { err, password: 'p1', conn: { token: 't1', opts: { seed: 's1', authorization: 'Bearer x' } }, ok: 'visible' },
        'failed',
      );
    logger.debug('fine');
    logger.trace('hidden');
    expect(lines).toHaveLength(2);
    const [first] = lines;
    expect(first).toMatchObject({
      level: 50,
      service: 'svc',
      component: 'nats',
      msg: 'failed',
      password: '[redacted]',
      conn: { token: '[redacted]', opts: { seed: '[redacted]', authorization: '[redacted]' } },
      ok: 'visible',
      err: { type: 'Error', message: expect.stringContaining('outer') },
    });
    expect(JSON.stringify(first)).toContain('inner');
    expect(JSON.stringify(lines)).not.toMatch(/p1|t1|s1|Bearer/);
  });
});

describe('createLogger: no repeated keys, secrets masked by value', () => {
  function raw() {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    return { lines, destination };
  }
  const count = (line: string, key: string) => line.split(`"${key}":`).length - 1;

  test('nested children with the same keys log each key once, the innermost value, in every line', () => {
    const { lines, destination } = raw();
    const logger = createLogger({ service: 'orders', level: 'debug', destination });
    const reconciliation = logger
      .child({ component: 'orders' })
      .child({ component: 'reconciliation', broker: 'sim' })
      .child({ broker: 'sim', clientOrderId: 'c1' });
    reconciliation.info({ n: 1 }, 'settled');
    reconciliation.debug('details');
    logger.child({ service: 'inner' }).warn('override');
    expect(lines).toHaveLength(3);
    for (const line of lines)
      for (const key of ['service', 'pid', 'component', 'broker']) expect(count(line, key)).toBeLessThanOrEqual(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      service: 'orders',
      pid: process.pid,
      component: 'reconciliation',
      broker: 'sim',
      clientOrderId: 'c1',
      n: 1,
      msg: 'settled',
    });
    expect(JSON.parse(lines[2] ?? '')).toMatchObject({ service: 'inner', msg: 'override' });
  });

  test('a child keeps its parent level, and a level set on the child applies below it', () => {
    const { lines, destination } = raw();
    const logger = createLogger({ service: 's', level: 'info', destination });
    const quiet = logger.child({ a: 1 }, { level: 'warn' }).child({ b: 2 });
    quiet.info('dropped');
    quiet.warn('kept');
    logger.child({ c: 3 }).debug('dropped too');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['kept']);
  });

  test('secret values are masked wherever they appear: message, error text, stack, any key', () => {
    const { lines, destination } = raw();
    const logger = createLogger({ service: 's', destination, secrets: ['hunter2-pw', 'quo"te\\d', 'ab'] });
    logger
      .child({ component: 'db' })
      .error(
        { err: new Error('connect postgres://app:hunter2-pw@db/x failed'), note: 'quo"te\\d', short: 'ab' },
        'login with hunter2-pw refused',
      );
    const text = lines.join('\n');
    expect(text).not.toContain('hunter2-pw');
    expect(text).not.toContain('quo\\"te');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      msg: 'login with [redacted] refused',
      note: '[redacted]',
      // Too short to mask by value: it would mask ordinary words.
      short: 'ab',
      err: { message: 'connect postgres://app:[redacted]@db/x failed' },
    });
  });
});

describe('Lifecycle', () => {
  test('follows the diagram, reports changes, and refuses forbidden transitions', async () => {
    const lifecycle = new Lifecycle('conn');
    const seen: string[] = [];
    lifecycle.onChange((c) => seen.push(`${c.from}>${c.to}${c.reason ? `:${c.reason}` : ''}`));
    const running = lifecycle.waitFor('running', 1_000);
    lifecycle.transition('running');
    await running;
    lifecycle.transition('degraded', 'reconnecting');
    lifecycle.transition('running');
    expect(() => lifecycle.transition('starting')).toThrow(LifecycleError);
    lifecycle.transition('stopping');
    lifecycle.transition('stopped');
    expect(() => lifecycle.transition('running')).toThrow(LifecycleError);
    expect(seen).toEqual([
      'starting>running',
      'running>degraded:reconnecting',
      'degraded>running',
      'running>stopping',
      'stopping>stopped',
    ]);
  });

  test('waitFor rejects when the state is not reached in time', async () => {
    await expect(new Lifecycle('x').waitFor('running', 20)).rejects.toBeInstanceOf(LifecycleError);
  });
});
