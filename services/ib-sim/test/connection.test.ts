import { EventName } from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningSim } from '../src/app.js';
import { connectClient, nextEvent, RawClient, startTestSim, TUESDAY_1100_ET } from './helpers.js';

let sim: RunningSim;
beforeAll(async () => {
  sim = await startTestSim({ accounts: ['DU111', 'DU222'], maxClients: 5 });
});
afterAll(() => sim.stop());

describe('handshake and START_API', () => {
  test('@stoqey/ib negotiates 178 and gets accounts, next id and farm notices', async () => {
    const c = await connectClient(sim.port, 11);
    expect(c.ib.serverVersion).toBe(178);
    expect(c.accounts).toEqual(['DU111,DU222']);
    await expect.poll(() => c.infos.map((i) => i.code)).toEqual(expect.arrayContaining([2104, 2106, 2158]));
    expect(sim.control.sessions().some((s) => s.clientId === 11 && s.serverVersion === 178)).toBe(true);
    c.ib.reqCurrentTime();
    const [t] = await nextEvent<[number]>(c.ib, EventName.currentTime);
    expect(Math.abs(t * 1000 - TUESDAY_1100_ET)).toBeLessThan(60_000);
    c.ib.reqIds();
    const [id] = await nextEvent<[number]>(c.ib, EventName.nextValidId);
    expect(id).toBeGreaterThanOrEqual(1);
    expect(c.errors).toEqual([]);
    c.close();
  });

  test('raw handshake: exactly two fields, then 15, 9 and notices with exact layouts', async () => {
    const raw = await RawClient.started(sim.port, 12);
    expect(raw.serverHello).toHaveLength(2);
    expect(raw.serverHello?.[0]).toBe('178');
    expect(raw.serverHello?.[1]).toMatch(/^\d{8} \d{2}:\d{2}:\d{2} E[SD]T$/);
    expect(raw.messages[0]).toEqual(['15', '1', 'DU111,DU222']);
    expect(raw.messages[1]).toEqual(['9', '1', '1']);
    await raw.waitFor((m) => m[3] === '2158');
    expect(raw.messages.filter((m) => m[0] === '4').every((m) => m.length === 6 && m[2] === '-1')).toBe(true);
    raw.close();
  });

  test('version negotiation picks min(clientMax, 178) and refuses ranges below 176', async () => {
    const insync = await RawClient.started(sim.port, 13, 'v157..176');
    expect(insync.serverHello?.[0]).toBe('176');
    insync.close();
    const old = await RawClient.open(sim.port, 'v100..151');
    await old.waitClosed();
    expect(old.serverHello).toBeUndefined();
    const high = await RawClient.open(sim.port, 'v200..222');
    await high.waitClosed();
    expect(high.serverHello).toBeUndefined();
  });

  test('a clientId already in use gets 326 and the socket is closed', async () => {
    const first = await connectClient(sim.port, 14);
    const raw = await RawClient.open(sim.port);
    await raw.until(() => raw.serverHello !== undefined, 'hello');
    raw.send(['71', '2', '14', '']);
    const err = await raw.waitFor((m) => m[0] === '4');
    expect(err.slice(2, 4)).toEqual(['-1', '326']);
    await raw.waitClosed();
    first.close();
  });

  test('a malformed message gets 320, the socket closes, and the server keeps serving', async () => {
    const raw = await RawClient.started(sim.port, 15);
    raw.send(['9', '8', 'AAPL']);
    const err = await raw.waitFor((m) => m[0] === '4' && m[3] === '320');
    expect(err[4]).toContain('For input string: "AAPL"');
    await raw.waitClosed();
    const garbage = await RawClient.started(sim.port, 16);
    garbage.send(['xyz']);
    await garbage.waitClosed();
    const c = await connectClient(sim.port, 17);
    c.ib.reqCurrentTime();
    await nextEvent(c.ib, EventName.currentTime);
    c.close();
  });

  test('more than 50 messages per second: error 100, then disconnect when sustained', async () => {
    const raw = await RawClient.started(sim.port, 18);
    const flood = setInterval(() => {
      for (let i = 0; i < 60; i++) raw.send(['49', '1']);
    }, 100);
    try {
      const err = await raw.waitFor((m) => m[0] === '4' && m[3] === '100');
      expect(err[4]).toBe('Max rate of messages per second has been exceeded.');
      await raw.waitClosed(6_000);
    } finally {
      clearInterval(flood);
    }
    // Counted on this client's connection, as a bench or a test in another process reads it: one error 100 per
    // breach, every message over the limit, and nothing put on another clientId.
    const mine = sim.control.rateSeen().byClient.find((c) => c.clientId === 18);
    expect(mine?.breaches).toBeGreaterThanOrEqual(1);
    expect(mine?.exceeded).toBeGreaterThan(mine?.breaches ?? 0);
    expect(mine?.peakPerSecond).toBeGreaterThan(50);
    expect(sim.control.rateSeen().byClient.filter((c) => c.clientId !== 18 && c.breaches > 0)).toEqual([]);
  });

  test('frames split across TCP writes and merged into one write are both understood', async () => {
    const raw = await RawClient.started(sim.port, 19);
    const frame = Buffer.from([0, 0, 0, 5, 0x34, 0x39, 0, 0x31, 0]);
    for (const byte of frame) raw.socket.write(Buffer.from([byte]));
    raw.socket.write(Buffer.concat([frame, frame]));
    await raw.until(() => raw.messages.filter((m) => m[0] === '49').length === 3, 'three currentTime replies');
    raw.close();
  });

  test('connections beyond the client limit are refused; the control surface can drop a client', async () => {
    const held = await Promise.all([1, 2, 3].map((i) => RawClient.started(sim.port, 100 + i)));
    await expect.poll(() => sim.control.sessions().length).toBeLessThanOrEqual(5);
    const extra = await Promise.all([1, 2, 3].map(() => RawClient.open(sim.port)));
    await expect.poll(() => extra.filter((c) => c.closed).length).toBeGreaterThanOrEqual(1);
    expect(sim.control.dropClient(101)).toBe(1);
    await held[0]?.waitClosed();
    for (const c of [...held, ...extra]) c.close();
  });

  test('control broadcast reaches every client as an info notice', async () => {
    const c = await connectClient(sim.port, 20);
    const seen = nextEvent<[string, number]>(c.ib, EventName.info, (_m, code) => code === 1100);
    sim.control.broadcast(1100);
    const [message] = await seen;
    expect(message).toBe('Connectivity between IB and Trader Workstation has been lost.');
    c.close();
  });
});
