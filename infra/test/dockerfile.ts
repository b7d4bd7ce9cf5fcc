/** The few facts of the Dockerfile the compose checks need: stages, their COPY sources, WORKDIR and ENTRYPOINT. */
import { readFileSync } from 'node:fs';

export interface DockerStage {
  readonly name: string | undefined;
  readonly from: string;
  readonly workdir: string | undefined;
  readonly entrypoint: readonly string[] | undefined;
  /** Every COPY instruction as [sources..., destination] (flags like --from dropped, `from` kept apart). */
  readonly copies: readonly { readonly from?: string; readonly args: readonly string[] }[];
}

export function readDockerfile(path: string): DockerStage[] {
  const lines = readFileSync(path, 'utf8')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Array<{ -readonly [K in keyof DockerStage]: DockerStage[K] }> = [];
  for (const line of lines) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    const stage = stages.at(-1);
    switch (instruction.toUpperCase()) {
      case 'FROM': {
        const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args);
        stages.push({ from: m?.[1] ?? args, name: m?.[2], workdir: undefined, entrypoint: undefined, copies: [] });
        break;
      }
      case 'WORKDIR':
        if (stage) stage.workdir = args;
        break;
      case 'ENTRYPOINT':
        if (stage) stage.entrypoint = args.startsWith('[') ? (JSON.parse(args) as string[]) : ['/bin/sh', '-c', args];
        break;
      case 'COPY': {
        if (!stage) break;
        const words = rest.filter((w) => !w.startsWith('--'));
        const from = rest.find((w) => w.startsWith('--from='))?.slice('--from='.length);
        stage.copies = [...stage.copies, from === undefined ? { args: words } : { from, args: words }];
        break;
      }
      default:
        break;
    }
  }
  return stages;
}

/** .dockerignore patterns (top-level names only, which is all this repository uses). */
export function readDockerignore(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}
