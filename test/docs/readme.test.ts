/** The README's examples stay true: its scenario example is a valid scenario. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadScenario } from '../../sandbox/scenario/schema.ts';
import { projectRoot } from '../helpers/events.ts';

test('the scenario example in the README loads', () => {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const scenario = blocks.find((b) => b.includes('findings:'));
  expect(scenario, 'a yaml block with a scenario').toBeDefined();
  const file = join(mkdtempSync(join(tmpdir(), 'readme-')), 'scenario.yaml');
  writeFileSync(file, scenario!);
  const s = loadScenario(file);
  expect(s.findings[0]).toMatchObject({
    rule: 'vpc-sg-open-only-to-authorized-ports',
    count: 8,
    duplicates: 2,
  });
});
