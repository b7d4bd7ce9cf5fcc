import { describe, expect, test } from 'vitest';
import { BatchWriter } from '../src/batch-writer.js';

/** A writer whose batches finish when the test says so, recording what each batch held. */
function gatedWriter(failOn?: (item: number) => boolean) {
  const batches: number[][] = [];
  const gates: Array<() => void> = [];
  const writer = new BatchWriter<number, string>(async (items) => {
    batches.push([...items]);
    await new Promise<void>((resolve) => gates.push(resolve));
    if (failOn !== undefined && items.some(failOn)) throw new Error(`cannot write ${items.filter(failOn)}`);
    return items.map((i) => `w${i}`);
  }, 3);
  const openNext = async () => {
    while (gates.length === 0) await new Promise<void>((r) => setImmediate(r));
    (gates.shift() as () => void)();
  };
  return { writer, batches, openNext };
}

describe('BatchWriter', () => {
  test('an item alone is written at once; items arriving meanwhile go together, up to the batch size, in order', async () => {
    const { writer, batches, openNext } = gatedWriter();
    const first = writer.write(1);
    const rest = [2, 3, 4, 5].map((i) => writer.write(i));
    expect(batches).toEqual([[1]]);
    await openNext();
    expect(await first).toBe('w1');
    await openNext();
    await openNext();
    expect(await Promise.all(rest)).toEqual(['w2', 'w3', 'w4', 'w5']);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  test('a failed batch is written again item by item: only the item that cannot be written fails', async () => {
    const { writer, batches, openNext } = gatedWriter((i) => i === 3);
    const first = writer.write(1);
    const results = [2, 3, 4].map((i) =>
      writer.write(i).then(
        (r) => r,
        (err: Error) => err.message,
      ),
    );
    for (let k = 0; k < 5; k++) await openNext();
    expect(await first).toBe('w1');
    expect(await Promise.all(results)).toEqual(['w2', 'cannot write 3', 'w4']);
    expect(batches).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  test('a batch size below 1 is refused', () => {
    expect(() => new BatchWriter(async () => [], 0)).toThrow(RangeError);
  });
});
