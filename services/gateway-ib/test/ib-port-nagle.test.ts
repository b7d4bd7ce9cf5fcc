import { createServer, type Server } from 'node:net';
import { EventName, IBApi } from '@stoqey/ib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { disableNagle } from '../src/ib-port.js';

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((s) => s.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  port = address.port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('the socket @stoqey/ib opens is reached and Nagle turned off (fails if a library version moves it)', () => {
  const ib = new IBApi({ host: '127.0.0.1', port });
  ib.on(EventName.error, () => undefined);
  ib.connect(1);
  try {
    expect(disableNagle(ib)).toBe(true);
  } finally {
    ib.disconnect();
  }
  expect(disableNagle(new IBApi({ host: '127.0.0.1', port }))).toBe(false);
});
