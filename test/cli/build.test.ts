/**
 * The CLI is built once into dist/ and rebuilt only when the source is newer (the author loop), and
 * runs at the same time never see half a build: on a copy of the project, through the real bin.
 */
import { readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { eventsDir } from '../helpers/events.ts';
import { copyProject } from '../helpers/package.ts';

const patchEvent = join(eventsDir, 'ssm-command-invocation-status-change.json');
let root: string;
const bundle = () => join(root, 'dist/cli/index.mjs');
const leftovers = () =>
  [...readdirSync(join(root, 'dist')), ...readdirSync(join(root, 'dist/cli'))].filter(
    (f) => f.endsWith('.tmp') || f.startsWith('.build-script-'),
  );
const ids = (r: CliResult): string[] =>
  (JSON.parse(r.stdout) as { remediations: Array<{ id: string }> }).remediations.map((m) => m.id);

/** Sets every file and folder under `dir` to `when`: sources checked out a while ago, not just now. */
function backdate(dir: string, when: Date): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) backdate(p, when);
    utimesSync(p, when, when);
  }
  utimesSync(dir, when, when);
}

beforeAll(() => {
  root = copyProject();
  // The build back-dates its bundle by a second (a file saved during a build makes it stale); a copy
  // made a moment ago would look newer than a build that starts within that second, on a fast machine.
  const earlier = new Date(Date.now() - 600_000);
  for (const d of ['src', 'sandbox', 'scripts']) backdate(join(root, d), earlier);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('12 concurrent runs with no build yet all succeed; a fresh build is not rebuilt', async () => {
  const runs = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      runCli(i % 2 ? ['--version'] : ['plan', patchEvent, '--json'], { cwd: root, timeoutMs: 110_000 }),
    ),
  );
  for (const [i, r] of runs.entries()) {
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    if (i % 2) expect(r.stdout).toMatch(/^remediator \d+\.\d+\.\d+\n$/);
    else expect(ids(r)).toContain('patch-baseline-install');
  }
  expect(leftovers()).toEqual([]);
  const built = statSync(bundle()).mtimeMs;
  expect((await runCli(['--version'], { cwd: root })).code).toBe(0);
  expect(statSync(bundle()).mtimeMs).toBe(built);
}, 120_000);

test('a remediation an author just added is in plan at once, for 10 concurrent runs while the rebuild is due', async () => {
  const before = statSync(bundle()).mtimeMs;
  const scaffold = await runCli(['new', 'author-fix', '--trigger', 'patch.failed'], { cwd: root });
  expect(scaffold.code, scaffold.stderr).toBe(0);
  const runs = await Promise.all(
    Array.from({ length: 10 }, () =>
      runCli(['plan', patchEvent, '--json'], { cwd: root, timeoutMs: 110_000 }),
    ),
  );
  for (const r of runs) {
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(ids(r)).toContain('author-fix');
  }
  expect(statSync(bundle()).mtimeMs).toBeGreaterThan(before);
  expect(leftovers()).toEqual([]);
}, 120_000);
