import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

const BATON = resolve(import.meta.dirname, '../../bin/baton.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `baton …` as a user runs it: its own process, talking to the stack's API over HTTP (BATON_URL, BATON_TOKEN in `env`). */
export function baton(args: string[], env: Record<string, string | undefined>, stdin?: string): Promise<CliResult> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [BATON, ...args],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? '');
  });
}
