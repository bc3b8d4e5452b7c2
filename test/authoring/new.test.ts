/**
 * `remediator new`: the scaffold for each trigger family passes `remediator check` (so its examples
 * hold) and prettier as generated; it refuses to overwrite, and rejects a bad id or family clearly.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { checkCommand } from '../../src/cli/check.ts';
import type { Io } from '../../src/cli/io.ts';
import { newCommand } from '../../src/cli/new.ts';
import { copyProject, projectRoot } from '../helpers/package.ts';

let root: string;
beforeAll(() => {
  root = copyProject();
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function capture(): Io & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (s) => lines.push(s), err: (s) => lines.push(s), env: {} };
}

const SCAFFOLDS = [
  ['config.noncompliant', 'ebs-volume-unencrypted'],
  ['patch.failed', 'patch-retry-install'],
  ['agent.disconnected', 'agent-restart-instance'],
] as const;

test.each(SCAFFOLDS)('new --trigger %s writes src/runbooks/<id>.ts', (family, id) => {
  const io = capture();
  expect(newCommand([id, '--trigger', family], io, root)).toBe(0);
  expect(io.lines.join('\n')).toContain(`wrote src/runbooks/${id}.ts`);
  const source = readFileSync(join(root, 'src/runbooks', `${id}.ts`), 'utf8');
  expect(source).toContain(`id: '${id}'`);
  expect(source).toContain(`trigger: '${family}'`);
  expect(source).toContain(`defaultMode: 'shadow'`);
  expect(source).toContain('requireId(');
});

test('the scaffolds pass remediator check as generated (their examples hold)', async () => {
  const io = capture();
  await checkCommand([], io, root);
  const mine = io.lines.filter((l) => SCAFFOLDS.some(([, id]) => l.includes(`${id}.ts`)));
  expect(mine).toEqual([]);
});

test.each(SCAFFOLDS)('the %s scaffold is formatted as prettier would', async (_family, id) => {
  const file = join(root, 'src/runbooks', `${id}.ts`);
  const options = { ...(await prettier.resolveConfig(join(projectRoot, 'src/x.ts'))), filepath: file };
  expect(await prettier.check(readFileSync(file, 'utf8'), options)).toBe(true);
});

test('new refuses to overwrite a file', () => {
  const io = capture();
  expect(newCommand(['restricted-ssh', '--trigger', 'config.noncompliant'], io, root)).toBe(1);
  expect(io.lines.join('\n')).toContain('src/runbooks/restricted-ssh.ts already exists; not overwriting it');
});

test.each([
  [['Bad_Id', '--trigger', 'patch.failed'], 'id "Bad_Id" must be kebab-case'],
  [['double--hyphen', '--trigger', 'patch.failed'], 'must be kebab-case'],
  [['ok-id', '--trigger', 'config.changed'], '--trigger must be one of config.noncompliant, patch.failed'],
  [['ok-id'], '--trigger is required'],
  [[], 'missing <id>'],
  [['ok-id', '--trigger', 'patch.failed', '--colour', 'blue'], 'unknown option --colour'],
])('new %j is refused with a clear message', (argv, message) => {
  const io = capture();
  expect(newCommand(argv, io, root)).toBe(2);
  expect(io.lines.join('\n')).toContain(message);
});
