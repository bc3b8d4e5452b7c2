/** Runs the real CLI (`node bin/remediator.js …`) as a user does, and returns its exit code and output. */
import { execFile } from 'node:child_process';
import { projectRoot } from './events.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runCli(
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/remediator.js', ...args],
      {
        cwd: opts.cwd ?? projectRoot,
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 16 << 20,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

/** No stack trace: no "    at …" frames and no "Error:" in what a user reads. */
export const STACK_TRACE = /^\s+at |Error:/m;
