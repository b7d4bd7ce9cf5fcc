/** A port already taken is the caller's to handle: startSim rejects with EADDRINUSE and logs no error of its own. */
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { expect, test } from 'vitest';
import { startSim } from '../src/index.js';

test('startSim on a taken port rejects with EADDRINUSE without a level-50 line', async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as { port: number }).port;
  const lines: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  try {
    await expect(startSim({ port, host: '127.0.0.1', logger })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(lines.filter((l) => l.includes('"level":50'))).toEqual([]);
  } finally {
    await new Promise((resolve) => holder.close(resolve));
  }
});
