/** A copy of the project to seed remediation files and documents into, and `remediator check` on it. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { checkCommand } from '../../src/cli/check.ts';
import type { Io } from '../../src/cli/io.ts';
import { copyProject } from '../helpers/package.ts';

/** Registers the copy's set-up and clean-up hooks; seeded files are removed after each test. */
export function checkProject(): {
  root: () => string;
  seed(files: Record<string, string>): void;
  check(): Promise<{ code: number; lines: string[] }>;
} {
  let root = '';
  const written: string[] = [];
  beforeAll(() => {
    root = copyProject();
  });
  afterEach(() => {
    for (const f of written.splice(0)) rmSync(f, { force: true });
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return {
    root: () => root,
    seed(files) {
      for (const [rel, text] of Object.entries(files)) {
        const abs = join(root, 'src/runbooks', rel);
        mkdirSync(dirname(abs), { recursive: true });
        writeFileSync(abs, text);
        written.push(abs);
      }
    },
    async check() {
      const lines: string[] = [];
      const io: Io = {
        out: (s) => lines.push(...s.split('\n')),
        err: (s) => lines.push(...s.split('\n')),
        env: {},
      };
      const code = await checkCommand([], io, root);
      return { code, lines };
    },
  };
}

/** Replaces text literally (String.replace would read `$'` in a pattern as a replacement token). */
export const sub = (text: string, from: string, to: string): string => {
  if (!text.includes(from)) throw new Error(`seed: ${JSON.stringify(from)} not found`);
  return text.split(from).join(to);
};
