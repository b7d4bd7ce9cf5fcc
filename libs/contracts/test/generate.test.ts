import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { renderDocs } from '../scripts/render-docs.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const tsx = join(repoRoot, 'node_modules/.bin/tsx');
const script = join(repoRoot, 'libs/contracts/scripts/generate.ts');

function generate(...args: string[]) {
  const r = spawnSync(tsx, [script, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('generated docs', () => {
  test('the committed docs/subjects.md and docs/schemas match the contracts (npm run contracts:check)', () => {
    const r = generate('--check');
    expect(r.out).toContain('up to date');
    expect(r.status).toBe(0);
  });

  test('rendering is deterministic', () => {
    expect([...renderDocs()]).toEqual([...renderDocs()]);
  });

  describe('check mode on a scratch root', () => {
    const root = mkdtempSync(join(tmpdir(), 'contracts-gen-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    test('missing outputs fail the check, naming them', () => {
      const r = generate('--check', '--root', root);
      expect(r.status).not.toBe(0);
      expect(r.out).toContain('docs/subjects.md');
      expect(r.out).toContain('docs/schemas/SubmitOrder.json');
    });

    test('after writing, the check passes; an edited or extra file fails it by name', () => {
      expect(generate('--root', root).status).toBe(0);
      expect(generate('--check', '--root', root).status).toBe(0);

      const tick = join(root, 'docs/schemas/Tick.json');
      writeFileSync(tick, readFileSync(tick, 'utf8').replace('"tsEventMs"', '"tsEventMillis"'));
      writeFileSync(join(root, 'docs/schemas/Removed.json'), '{}\n');
      const r = generate('--check', '--root', root);
      expect(r.status).not.toBe(0);
      expect(r.out).toContain('docs/schemas/Tick.json');
      expect(r.out).toContain('docs/schemas/Removed.json');
      expect(r.out).not.toContain('docs/subjects.md');

      expect(generate('--root', root).status).toBe(0);
      expect(generate('--check', '--root', root).status).toBe(0);
    });
  });

  test('every schema file is valid JSON naming its subjects', () => {
    for (const [path, content] of renderDocs()) {
      if (!path.endsWith('.json')) continue;
      const doc = JSON.parse(content) as { title: string; 'x-subjects': string[] };
      expect(path).toBe(`docs/schemas/${doc.title}.json`);
      if (doc.title !== 'ErrorReply' && doc.title !== 'OrderEvent') expect(doc['x-subjects'].length).toBeGreaterThan(0);
    }
  });
});
