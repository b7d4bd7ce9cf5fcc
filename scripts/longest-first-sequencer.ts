/**
 * Test files longest first, also on a clean clone. Vitest orders by the durations it cached in earlier runs, and
 * without them (CI clones afresh) by file size: the 5-minute soak could start last and run alone at the end while
 * the other workers idle. Files without a cached duration take the one measured in CI (test-durations.json, seconds,
 * refreshed by hand from a CI run's .tmp/vitest.json; files under 5 s are left out and count as 0).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const measured: Record<string, number> = JSON.parse(
  readFileSync(new URL('./test-durations.json', import.meta.url), 'utf8'),
);
const root = new URL('../', import.meta.url).pathname;

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    // Keep the base order's project grouping (projects run one after the other), longest first within each.
    const projectRank = new Map<string, number>();
    for (const s of base) if (!projectRank.has(s.project.name)) projectRank.set(s.project.name, projectRank.size);
    const seconds = (s: TestSpecification): number => {
      const cached = this.ctx.cache.getTestSpecificationResult(s);
      return cached === undefined ? (measured[relative(root, s.moduleId)] ?? 0) : cached.duration / 1_000;
    };
    const rank = (s: TestSpecification) => projectRank.get(s.project.name) ?? 0;
    return [...base].sort((a, b) => rank(a) - rank(b) || seconds(b) - seconds(a));
  }
}
