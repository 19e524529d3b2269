import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_OUTPUTS_BYTES, readOutputs } from './script-step.js';

describe(readOutputs.name, () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-outputs-'));
    file = join(dir, 'baton-outputs.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the JSON object; no file, or an empty one, is {}', async () => {
    expect(await readOutputs(file)).toEqual({});
    writeFileSync(file, ' \n');
    expect(await readOutputs(file)).toEqual({});
    writeFileSync(file, '{"rows": [1, 2], "name": "é", "path": "C:\\\\u0000"}\n');
    expect(await readOutputs(file)).toEqual({ rows: [1, 2], name: 'é', path: 'C:\\u0000' });
  });

  it.each([
    ['{"rows": [1, 2', /not valid JSON/],
    ['[1, 2]', /must hold a JSON object, not an array/],
    ['"text"', /must hold a JSON object, not a string/],
    ['null', /not null/],
    ['{"text": "a\\u0000b"}', /NUL character/],
    ['{"a\\u0000": 1}', /NUL character/],
  ])('refuses %s for good', async (content, message) => {
    writeFileSync(file, content);

    await expect(readOutputs(file)).rejects.toMatchObject({
      name: 'StepError',
      retryable: false,
      code: 'outputs_invalid',
      message: expect.stringMatching(message),
    });
  });

  it('refuses a file over the cap', async () => {
    writeFileSync(file, JSON.stringify({ big: 'x'.repeat(MAX_OUTPUTS_BYTES) }));

    await expect(readOutputs(file)).rejects.toMatchObject({ retryable: false, code: 'outputs_too_large' });
  });

  it('follows no symbolic link and waits on no FIFO the script put in its place', async () => {
    writeFileSync(join(dir, 'elsewhere.json'), '{"leaked": true}');
    symlinkSync(join(dir, 'elsewhere.json'), file);
    await expect(readOutputs(file)).rejects.toMatchObject({ code: 'outputs_invalid', message: expect.stringContaining('ELOOP') });

    rmSync(file);
    execFileSync('mkfifo', [file]);
    await expect(readOutputs(file)).rejects.toMatchObject({
      code: 'outputs_invalid',
      message: expect.stringContaining('not a regular file'),
    });
  });
});
