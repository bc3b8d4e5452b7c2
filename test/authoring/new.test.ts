/**
 * `remediator new`: the scaffold for each trigger family is formatted as prettier would and its
 * examples hold, but `remediator check` fails it until the author replaces the placeholders (each
 * named by field), and passes it once they have; `new` refuses to overwrite, and rejects a bad id or
 * family clearly.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** check's `file: field: message` lines about the scaffolds (its exit code covers the whole tree). */
async function scaffoldProblems(): Promise<{ code: number; lines: string[] }> {
  const io = capture();
  const code = await checkCommand([], io, root);
  const lines = io.lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => SCAFFOLDS.some(([, id]) => l.includes(`${id}.ts`)));
  return { code, lines };
}

test('remediator check fails an unedited scaffold, naming each placeholder field (and nothing else)', async () => {
  const { code, lines } = await scaffoldProblems();
  expect(code).toBe(1);
  const fields = lines.map((l) => l.split(': ').slice(0, 2).join(': '));
  expect(fields.sort()).toEqual(
    [
      'src/runbooks/agent-restart-instance.ts: title',
      'src/runbooks/ebs-volume-unencrypted.ts: examples[0].event.detail.resourceType',
      'src/runbooks/ebs-volume-unencrypted.ts: title',
      'src/runbooks/patch-retry-install.ts: title',
    ].sort(),
  );
  expect(lines.join('\n')).toContain('still has placeholder text "TODO"');
  expect(lines.join('\n')).toContain(
    'AWS::EC2::SecurityGroup does not fit Config rule "ebs-volume-unencrypted", which evaluates AWS::EC2::Volume',
  );
});

test.each(SCAFFOLDS)('the %s scaffold is formatted as prettier would', async (_family, id) => {
  const file = join(root, 'src/runbooks', `${id}.ts`);
  const options = { ...(await prettier.resolveConfig(join(projectRoot, 'src/x.ts'))), filepath: file };
  expect(await prettier.check(readFileSync(file, 'utf8'), options)).toBe(true);
});

test('once the author replaces the placeholders, check passes the scaffolds (their examples hold)', async () => {
  const edit = (id: string, edits: Array<[RegExp, string]>) => {
    const file = join(root, 'src/runbooks', `${id}.ts`);
    writeFileSync(
      file,
      edits.reduce((text, [from, to]) => text.replace(from, to), readFileSync(file, 'utf8')),
    );
  };
  const title: [RegExp, string] = [/title: 'TODO: [^']*'/, "title: 'Fix it, in words a reader understands'"];
  // A rule on security groups: the scaffold's resource type, id shape and document fit it.
  edit('ebs-volume-unencrypted', [title, [/const RULE = '[^']*'/, "const RULE = 'restricted-common-ports'"]]);
  edit('patch-retry-install', [title]);
  edit('agent-restart-instance', [title]);
  expect((await scaffoldProblems()).lines).toEqual([]);
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
