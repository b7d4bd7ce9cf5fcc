// Bootstrap of a sweep worker thread: register tsx in this thread (loaders are per thread), then run the
// TypeScript worker. Plain JavaScript because nothing can compile this file for us.
const { register } = await import('tsx/esm/api');
register();
await import('./worker-main.ts');
