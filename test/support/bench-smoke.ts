import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The benchmarks, as package.json's `bench:*` scripts name them. */
export function benchNames(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return Object.keys(scripts)
    .filter((script) => script.startsWith('bench:'))
    .map((script) => script.slice('bench:'.length));
}

export interface SmokeRun {
  exit: number | string;
  /** Its section of docs/benchmarks.md as `npm run bench` would write it ('' when none was written). */
  section: string;
  /** The last of what it printed. */
  output: string;
  seconds: number;
}

/**
 * `npm run bench -- --smoke <name>` (test/bench/run-all.ts: the benchmark at tiny sizes) into a
 * document of its own; its whole process group killed after `limitMs`.
 */
export async function smokeBench(name: string, limitMs: number): Promise<SmokeRun> {
  const work = mkdtempSync(join(tmpdir(), `bench-smoke-${name}-`));
  const out = join(work, 'benchmarks.md');
  const started = performance.now();
  try {
    let output = '';
    const exit = await new Promise<number | string>((resolve) => {
      const child = spawn(process.execPath, ['dist/test/bench/run-all.js', '--smoke', '--out', out, name], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        // A group of its own, so that a bench that hangs goes with everything it started (PostgreSQL, Temporal, Chromium).
        detached: true,
      });
      const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000));
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), limitMs);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve(code ?? signal ?? 1);
      });
    });
    let section = '';
    try {
      section = /<!-- bench:[\w-]+ -->[\s\S]*<!-- \/bench:[\w-]+ -->/.exec(readFileSync(out, 'utf8'))?.[0] ?? '';
    } catch {
      // Not written: the run ended before the benchmark did.
    }
    return { exit, section, output, seconds: (performance.now() - started) / 1000 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
