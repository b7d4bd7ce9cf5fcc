/**
 * A session's reply delay (the control surface's setReplyDelay) holds frames back but never reorders them, also when
 * the delay drops to 0 while frames are still held: TWS delivers a connection's messages in the order it wrote them.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { Session } from '../src/server/session.js';
import * as enc from '../src/wire/encoders.js';
import { FrameDecoder, splitFields } from '../src/wire/framing.js';

let server: Server;
let serverSide: Socket;
let client: Socket;

beforeAll(async () => {
  const accepted = new Promise<Socket>((resolve) => {
    server = createServer(resolve);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  client = connect(address.port, '127.0.0.1');
  serverSide = await accepted;
});
afterAll(async () => {
  client?.destroy();
  serverSide?.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

test('frames held by a reply delay leave in send order, also those sent after the delay dropped to 0', async () => {
  const session = new Session(1, serverSide, silentLogger);
  const received: number[] = [];
  const decoder = new FrameDecoder();
  client.on('data', (chunk: Buffer) => {
    for (const payload of decoder.push(chunk)) received.push(Number(splitFields(payload)[2]));
  });
  const total = 60;
  session.replyDelayMs = 80;
  let n = 0;
  for (; n < 20; n++) session.send(enc.currentTime(n));
  session.replyDelayMs = 0;
  // The rest over several milliseconds, while the first twenty are still held.
  while (n < total) {
    session.send(enc.currentTime(n++));
    if (n % 5 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  await expect.poll(() => received.length, { timeout: 5_000 }).toBe(total);
  expect(received).toEqual(Array.from({ length: total }, (_, i) => i));
  // Nothing held any more: the next frame goes at once.
  session.send(enc.currentTime(total));
  await expect.poll(() => received.length, { timeout: 5_000 }).toBe(total + 1);
  session.close('done');
});
