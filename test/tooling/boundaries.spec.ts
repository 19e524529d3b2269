import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** Runs the boundary check of `npm run lint` over `dir`; its exit code and what it printed. */
async function cruise(dir: string): Promise<{ code: number; output: string }> {
  const bin = join(ROOT, 'node_modules/.bin/depcruise');
  const args = ['--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err-long', 'src', 'workers', 'plugins'];
  try {
    const { stdout } = await run(bin, args, { cwd: dir });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, output: failed.stdout };
  }
}

/** A small tree laid out like Baton's, each file holding one import the rules forbid. */
function violatingTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'boundaries-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' } }),
    'src/runs/runs.service.ts': `import { RUNS } from '../../workers/activities/start.js';\nexport const SERVICE = RUNS;\n`,
    'src/runtime/kernel.ts': `import { Injectable } from '@nestjs/common';\nimport { SERVICE } from '../runs/runs.service.js';\nexport const KERNEL = [Injectable, SERVICE];\n`,
    'workers/activities/start.ts': `import { SERVICE } from '../../src/runs/runs.service.js';\nexport const RUNS = SERVICE;\n`,
    'workers/contracts/run.contract.ts': `import { KERNEL } from '../../src/runtime/kernel.js';\nexport const CONTRACT = KERNEL;\n`,
    'workers/workflows/run.workflow.ts': `import { RUNS } from '../activities/start.js';\nexport const WORKFLOW = RUNS;\n`,
    'plugins/core/src/echo.ts': `import { KERNEL } from '../../../src/runtime/kernel.js';\nexport const ECHO = KERNEL;\n`,
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

// `npm run lint` checks this tree with the same command; here, that the check can fail.
describe('import boundaries', () => {
  const made: string[] = [];
  afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('fails on each forbidden import, naming the rule', async () => {
    const dir = violatingTree();
    made.push(dir);
    const { code, output } = await cruise(dir);
    expect(code).not.toBe(0);
    const broken = [...new Set([...output.matchAll(/error (\S+):/g)].map(([, rule]) => rule))].sort();
    expect(broken).toEqual([
      'api-uses-only-the-contracts',
      'contracts-are-leaves',
      'no-cycle',
      'plugins-stand-alone',
      'runtime-imports-no-feature',
      'runtime-imports-no-nest',
      'worker-uses-only-the-runtime',
      'workflows-are-deterministic',
    ]);
  }, 60_000);
});
