/**
 * Where the core keeps its state between runs. The file store writes JSON atomically (temp file in the same
 * directory, fsync, rename), so a crash mid-write leaves the previous state intact, never a torn file.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { StateFileError } from './errors.js';
import type { ExchangeSnapshot } from './snapshot.js';

export interface StateStore {
  /** The stored snapshot as parsed JSON (validated by the caller), or undefined when none exists. */
  load(): unknown;
  save(snapshot: ExchangeSnapshot): void;
  clear(): void;
}

export interface FileStateStoreOptions {
  /** fsync before rename (default true): survives power loss, costs a disk flush per save. */
  readonly fsync?: boolean;
}

export class FileStateStore implements StateStore {
  constructor(
    readonly path: string,
    private readonly options: FileStateStoreOptions = {},
  ) {}

  load(): unknown {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StateFileError(`cannot read state file ${this.path}`, { cause: err });
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new StateFileError(`state file ${this.path} is not valid JSON`, { cause: err });
    }
  }

  save(snapshot: ExchangeSnapshot): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, JSON.stringify(snapshot));
        if (this.options.fsync ?? true) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
    } catch (err) {
      throw new StateFileError(`cannot write state file ${this.path}`, { cause: err });
    }
  }

  clear(): void {
    rmSync(this.path, { force: true });
  }
}

/** Keeps the last snapshot in memory (as JSON text, so it round-trips like a file). */
export class MemoryStateStore implements StateStore {
  private text: string | undefined;

  load(): unknown {
    return this.text === undefined ? undefined : JSON.parse(this.text);
  }

  save(snapshot: ExchangeSnapshot): void {
    this.text = JSON.stringify(snapshot);
  }

  clear(): void {
    this.text = undefined;
  }
}
