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
