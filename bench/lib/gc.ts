/**
 * A full garbage collection on demand, for memory samples that measure what is retained rather than garbage not yet
 * collected (`heapUsed` sampled without a GC grows with allocation rate until the next major GC, whatever is kept).
 * `--expose-gc` is switched on at run time so `npm run bench` needs no node flag; the function it exposes is read
 * from a fresh context because the flag only takes effect for contexts created after it is set.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** heapUsed after a full collection, in bytes. */
export function retainedHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}
