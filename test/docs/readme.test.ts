/** The README stays a five-minute read whose links, files and example scenario are real. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { loadScenario } from '../../sandbox/scenario/schema.ts';
import { projectRoot } from '../helpers/events.ts';

const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');

test('the README is short: under 200 lines, no table line over 120 characters', () => {
  expect(readme.split('\n').length).toBeLessThan(200);
  const wide = readme.split('\n').filter((l) => l.startsWith('|') && l.length > 120);
  expect(wide).toEqual([]);
});

test('every relative link in the README and in docs/ points at a file in the repo', () => {
  const files = [
    'README.md',
    ...['operating', 'sandbox', 'performance', 'architecture', 'security', 'cli'].map((d) => `docs/${d}.md`),
  ];
  const missing: string[] = [];
  for (const file of files) {
    const text = readFileSync(join(projectRoot, file), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      if (!existsSync(resolve(projectRoot, dirname(file), target!))) missing.push(`${file} → ${target}`);
    }
  }
  expect(missing).toEqual([]);
});

test('every example event the README names is in the repo', () => {
  const named = [...readme.matchAll(/examples\/events\/[\w.-]+\.json/g)].map((m) => m[0]);
  expect(named.length).toBeGreaterThan(2);
  for (const f of named) expect(existsSync(join(projectRoot, f)), f).toBe(true);
});

test('the scenario the README rehearses loads', () => {
  const [, file] = /rehearse --scenario (\S+)/.exec(readme) ?? [];
  expect(file).toBeDefined();
  expect(loadScenario(join(projectRoot, file!)).findings.length).toBeGreaterThan(0);
});
