/**
 * The market-data stream's encodings at the frame level: JSON text frames by default, MessagePack binary frames when
 * the upgrade request says `Content-Type: application/msgpack` (on every feed path), data timestamps as MessagePack
 * Timestamp extension values, and 400 for a binary frame that is not MessagePack.
 */
import { decode, encode } from '@msgpack/msgpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AUTH, startTestSim, type TestSim, wsUrl } from './helpers.js';

let sim: TestSim;

beforeAll(async () => {
  sim = await startTestSim({ dataConnectionLimit: 5 });
});

afterAll(async () => {
  await sim.stop();
});

interface Frame {
  readonly binary: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: decoded stream messages under test
  readonly messages: any[];
}

async function open(path: string, headers: Record<string, string>) {
  const socket = new WebSocket(wsUrl(sim, path), { headers });
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data: Buffer, binary) => {
    frames.push({ binary, messages: (binary ? decode(data) : JSON.parse(data.toString())) as unknown[] as never });
    for (const w of waiters.splice(0)) w();
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const next = async (): Promise<Frame> => {
    const deadline = Date.now() + 5_000;
    while (frames.length === 0) {
      if (Date.now() > deadline) throw new Error('no frame');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, deadline - Date.now());
        waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return frames.shift() as Frame;
  };
  return { socket, next };
}

describe('stream encodings', () => {
  it('JSON text frames by default', async () => {
    const c = await open('/v2/iex', {});
    expect(await c.next()).toEqual({ binary: false, messages: [{ T: 'success', msg: 'connected' }] });
    c.socket.close();
  });

  for (const path of ['/v2/sip', '/v2/delayed_sip', '/v1beta3/crypto/us']) {
    it(`MessagePack binary frames on ${path}, with Timestamp-extension times`, async () => {
      const c = await open(path, { 'Content-Type': 'application/msgpack' });
      expect(await c.next()).toEqual({ binary: true, messages: [{ T: 'success', msg: 'connected' }] });
      c.socket.send(encode({ action: 'auth', key: AUTH['APCA-API-KEY-ID'], secret: AUTH['APCA-API-SECRET-KEY'] }));
      expect((await c.next()).messages).toEqual([{ T: 'success', msg: 'authenticated' }]);
      const symbol = path.includes('crypto') ? 'BTC/USD' : 'AAPL';
      c.socket.send(encode({ action: 'subscribe', trades: [symbol] }));
      expect((await c.next()).messages[0]).toMatchObject({ T: 'subscription', trades: [symbol] });
      const from = sim.clock.now();
      sim.clock.advance(5_000);
      sim.control.pump();
      const data = await c.next();
      expect(data.binary).toBe(true);
      const trade = data.messages[0];
      expect(trade).toMatchObject({ T: 't', S: symbol });
      expect(trade.t).toBeInstanceOf(Date);
      expect(trade.t.getTime()).toBeGreaterThan(from);
      c.socket.send(Buffer.from([0xc1])); // 0xc1 is never used in MessagePack
      expect((await c.next()).messages).toEqual([{ T: 'error', code: 400, msg: 'invalid syntax' }]);
      c.socket.close();
    });
  }
});
