import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { newTenant, stepOf, waitForRun } from './support/builders.js';

const README = 'plugins/sdk/README.md';

/** The README's `bash` blocks, in order: the commands a plugin author types (`sh` blocks are not run). */
function walkthroughScript(): string {
  const blocks = [...readFileSync(README, 'utf8').matchAll(/^```bash\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  return ['set -euo pipefail', ...blocks].join('\n');
}

describe('the plugin author walkthrough (plugins/sdk/README.md)', () => {
  it('works exactly as written: init, test, pack, keygen, register, sign, publish, enable, run', async () => {
    const script = walkthroughScript();
    expect(script).toContain('baton plugin publish');
    const tenant = await newTenant();
    // A fresh home: `~/hello-plugin` and the keys land in a temporary folder.
    const home = mkdtempSync(join(tmpdir(), 'baton-author-'));
    const { stdout } = await promisify(execFile)('bash', ['-c', script], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH, HOME: home, BATON_URL: inject('baseUrl'), BATON_TOKEN: tenant.token },
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`walkthrough failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });

    expect(stdout).toMatch(/# pass 3\n# fail 0/);
    expect(stdout).toMatch(/Published hello-plugin@0\.1\.0 \(sha256:[0-9a-f]{64}\)/);
    // curl prints answers without a newline: the run is the last JSON object of the output.
    const run = JSON.parse(stdout.slice(stdout.lastIndexOf('{"id"')).trim()) as { id: string; status: string };
    expect(run.status).toBe('queued');
    const finished = await waitForRun(tenant, run.id);
    expect(finished.status).toBe('succeeded');
    expect(stepOf(finished, 'hello').outputs).toEqual({ greeting: 'HELLO, ADA!' });
  });
});
