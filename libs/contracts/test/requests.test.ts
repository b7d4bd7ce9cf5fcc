import { describe, expect, test } from 'vitest';
import { BROKER_COMMANDS, catalog, GATEWAY_COMMANDS, REQUESTS, type RequestName, Subjects } from '../src/index.js';

/** A concrete subject of a template, its parameters filled with a legal token. */
const concrete = (template: string) => template.replace(/<([A-Za-z]+)>/g, 'sim');

describe('the typed request map (REQUESTS) and the catalog say the same', () => {
  test.each(Object.keys(REQUESTS) as RequestName[])('%s: same subject pattern and the same two schemas', (name) => {
    const r = REQUESTS[name];
    const entry = catalog.lookup(concrete(r.subject.template));
    expect(entry?.kind).toBe('request');
    expect(entry?.pattern).toBe(r.subject.pattern);
    expect(entry?.request).toBe(r.request);
    expect(entry?.reply).toBe(r.reply);
  });

  test('every plain request of the catalog is in the map (streamed hist.bars and broker/gateway commands aside)', () => {
    const inMap = new Set(Object.values(REQUESTS).map((r) => r.subject.pattern));
    const commands = [Subjects.brokerCommand.pattern, Subjects.gatewayCommand.pattern].map((p) =>
      p.split('.').slice(0, -1).join('.'),
    );
    const missing = catalog.entries
      .filter((e) => e.kind === 'request' && !inMap.has(e.pattern))
      .filter((e) => e.pattern !== Subjects.histBars.pattern)
      .filter((e) => !commands.some((c) => e.pattern.startsWith(`${c}.`)));
    expect(missing.map((e) => e.pattern)).toEqual([]);
  });

  test.each(Object.keys(BROKER_COMMANDS) as (keyof typeof BROKER_COMMANDS)[])('broker command %s', (verb) => {
    const entry = catalog.lookup(Subjects.brokerCommand.build({ broker: 'sim', verb }));
    expect(entry?.request).toBe(BROKER_COMMANDS[verb].request);
    expect(entry?.reply).toBe(BROKER_COMMANDS[verb].reply);
  });

  test.each(Object.keys(GATEWAY_COMMANDS) as (keyof typeof GATEWAY_COMMANDS)[])('gateway command %s', (verb) => {
    const entry = catalog.lookup(Subjects.gatewayCommand.build({ type: 'ib', verb }));
    expect(entry?.request).toBe(GATEWAY_COMMANDS[verb].request);
    expect(entry?.reply).toBe(GATEWAY_COMMANDS[verb].reply);
  });
});
