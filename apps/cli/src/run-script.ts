/**
 * Runs a service's own main.ts as a child process on this Node with tsx (what `npm start` / `npm run sim` do),
 * inheriting the terminal. Ctrl-C reaches the child through the terminal's process group; the child stops
 * cleanly and its exit code becomes ours.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Absolute path of `src/main.ts` of a workspace package, found through its package entry (`src/index.ts`). */
export function serviceMain(packageName: string): string {
  return fileURLToPath(new URL('./main.ts', import.meta.resolve(packageName)));
}

export function runScript(script: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script, ...args], {
      stdio: 'inherit',
      env,
    });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on('SIGTERM', forward);
    process.on('SIGHUP', forward);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGTERM', forward);
      process.off('SIGHUP', forward);
      // Killed by a signal: the shell's convention, 128 + its number (SIGINT 130, SIGTERM 143).
      resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
}
