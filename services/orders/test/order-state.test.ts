import { OrderState } from '@trading-system/contracts';
import { describe, expect, test } from 'vitest';
import {
  acceptsFill,
  assertTransition,
  canTransition,
  InvalidTransitionError,
  isCancellable,
  isModifiable,
  stateAfterFill,
  stateFromBrokerStatus,
  TRANSITIONS,
} from '../src/order-state.js';

describe('order state table', () => {
  test('covers every contract state', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...OrderState.options].sort());
  });

  test('final states have no way out', () => {
    for (const s of ['filled', 'cancelled', 'expired', 'rejected', 'denied'] as const) {
      for (const to of OrderState.options) expect(canTransition(s, to)).toBe(false);
    }
  });

  test.each([
    ['accepted', 'pendingSubmit', true], // written to the broker
    ['accepted', 'submitted', true], // the broker's acknowledgement overtook the place reply
    ['accepted', 'unresolved', true],
    ['pendingSubmit', 'submitted', true], // the broker's acknowledgement
    ['pendingSubmit', 'filled', true], // a fill before any status
    ['pendingSubmit', 'rejected', true], // refused by the broker, or never reached it
    ['pendingSubmit', 'unresolved', false],
    ['pendingSubmit', 'accepted', false],
    ['pendingCancel', 'pendingSubmit', true], // cancel refused before the broker acknowledged the order
    ['submitted', 'pendingSubmit', false],
    ['accepted', 'denied', false],
    ['submitted', 'denied', false],
    ['pendingCancel', 'filled', true], // fill after the cancel request
    ['pendingCancel', 'partiallyFilled', true], // cancel failed after a partial fill
    ['pendingCancel', 'submitted', true], // cancel failed
    ['unresolved', 'filled', true],
    ['unresolved', 'accepted', false],
    ['partiallyFilled', 'submitted', false],
    ['partiallyFilled', 'rejected', false],
    ['submitted', 'submitted', true], // modification
  ] as const)('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
  });

  test('nothing leads back to accepted or into denied', () => {
    for (const from of OrderState.options) {
      expect(canTransition(from, 'accepted')).toBe(false);
      expect(canTransition(from, 'denied')).toBe(false);
    }
  });

  test('assertTransition throws a named error', () => {
    expect(() => assertTransition('filled', 'cancelled')).toThrow(InvalidTransitionError);
    expect(() => assertTransition('submitted', 'filled')).not.toThrow();
  });

  test('cancel and modify rules', () => {
    expect(isCancellable('submitted')).toBe(true);
    expect(isCancellable('unresolved')).toBe(true);
    expect(isCancellable('pendingCancel')).toBe(false);
    expect(isCancellable('filled')).toBe(false);
    expect(isModifiable('submitted')).toBe(true);
    expect(isModifiable('pendingSubmit')).toBe(true);
    expect(isCancellable('pendingSubmit')).toBe(true);
    expect(isModifiable('unresolved')).toBe(false);
    expect(isModifiable('pendingCancel')).toBe(false);
  });
});

describe('fills and broker statuses', () => {
  test('fills apply to working and late-reported cancelled orders, never to denied/rejected', () => {
    expect(acceptsFill('submitted')).toBe(true);
    expect(acceptsFill('cancelled')).toBe(true);
    expect(acceptsFill('denied')).toBe(false);
    expect(acceptsFill('rejected')).toBe(false);
  });

  test('state after a fill', () => {
    expect(stateAfterFill('submitted', -1)).toBe('partiallyFilled');
    expect(stateAfterFill('submitted', 0)).toBe('filled');
    expect(stateAfterFill('pendingCancel', -1)).toBe('pendingCancel');
    expect(stateAfterFill('pendingCancel', 0)).toBe('filled');
    expect(stateAfterFill('cancelled', -1)).toBe('cancelled');
    expect(stateAfterFill('unresolved', -1)).toBe('partiallyFilled');
  });

  test('broker statuses map to OMS states; filled is left to executions', () => {
    const day = { tif: 'DAY', hasFills: false } as const;
    expect(stateFromBrokerStatus('pendingSubmit', day)).toBe('submitted');
    expect(stateFromBrokerStatus('held', day)).toBe('submitted');
    expect(stateFromBrokerStatus('working', day)).toBe('submitted');
    expect(stateFromBrokerStatus('working', { tif: 'DAY', hasFills: true })).toBe('partiallyFilled');
    expect(stateFromBrokerStatus('held', { tif: 'DAY', hasFills: true })).toBe('partiallyFilled');
    expect(stateFromBrokerStatus('pendingCancel', day)).toBe('pendingCancel');
    expect(stateFromBrokerStatus('cancelled', day)).toBe('cancelled');
    expect(stateFromBrokerStatus('cancelled', { tif: 'IOC', hasFills: true })).toBe('expired');
    expect(stateFromBrokerStatus('cancelled', { tif: 'FOK', hasFills: false })).toBe('expired');
    expect(stateFromBrokerStatus('expired', day)).toBe('expired');
    expect(stateFromBrokerStatus('rejected', day)).toBe('rejected');
    expect(stateFromBrokerStatus('rejected', { tif: 'DAY', hasFills: true })).toBe('cancelled');
    expect(stateFromBrokerStatus('filled', day)).toBeUndefined();
  });
});

describe('README state table', () => {
  test('matches the transition table in code', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const lines = text.split('\n').filter((l) => l.startsWith('| '));
    const header = lines.find((l) => l.startsWith('| from'));
    expect(header).toBeDefined();
    const targets = (header ?? '')
      .split('|')
      .slice(2, -1)
      .map((c) => c.trim()) as OrderState[];
    const documented: Record<string, OrderState[]> = {};
    for (const line of lines.slice(lines.indexOf(header ?? '') + 1)) {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      const from = (cells[0] ?? '').replace('(new) ', '');
      if (!Object.hasOwn(TRANSITIONS, from.split(',')[0] ?? '')) break;
      for (const f of from.split(',').map((x) => x.trim()))
        documented[f] = targets.filter((_, i) => (cells[i + 1] ?? '').startsWith('✓'));
    }
    for (const [from, to] of Object.entries(TRANSITIONS)) {
      const expected = to.filter((t) => targets.includes(t));
      expect(documented[from]?.sort(), from).toEqual([...expected].sort());
    }
  });
});
