import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

export interface ScaffoldOptions {
  dir: string;
  /** Plugin name; defaults to the folder's name, made into `[a-z0-9-]`. */
  name?: string;
  publisher?: string;
}

/** Writes a new plugin with one step and a passing test; refuses a folder that is not empty. */
export function scaffoldPlugin({ dir, name, publisher }: ScaffoldOptions): { dir: string; name: string; files: string[] } {
  const root = resolve(dir);
  if (existsSync(root) && readdirSync(root).length > 0) throw new Error(`${root} is not empty`);
  const pluginName =
    name ??
    (basename(root)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') ||
      'my-plugin');
  if (!/^[a-z0-9-]+$/.test(pluginName)) throw new Error(`plugin name must match [a-z0-9-]+, got ${JSON.stringify(pluginName)}`);
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify({ name: pluginName, version: '0.1.0', private: true, type: 'module', baton: { entry: 'src/index.ts', publisher: publisher ?? 'my-publisher' } }, null, 2)}\n`,
    'src/index.ts': INDEX.replaceAll('__NAME__', pluginName),
    'src/index.test.ts': TEST,
    '.gitignore': 'dist-plugin/\n*.key\n',
  };
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), content);
  }
  return { dir: root, name: pluginName, files: Object.keys(files) };
}

const INDEX = `import { definePlugin, defineStep, StepError } from '@baton/plugin-sdk';
import { z } from 'zod';

export const greet = defineStep({
  id: 'greet',
  title: 'Greet someone',
  description: 'Says hello. Replace it with your connector.',
  input: z.object({ name: z.string().min(1), shout: z.boolean().default(false) }),
  output: z.object({ greeting: z.string() }),
  // Tenant secrets this step may receive in ctx.secrets, and hosts it may call through the broker.
  secrets: [],
  egress: [],
  async run({ name, shout }, ctx) {
    if (name === 'nobody') throw new StepError('nobody to greet', { retryable: false });
    ctx.log('greeting', { name });
    const greeting = \`Hello, \${name}!\`;
    return { greeting: shout ? greeting.toUpperCase() : greeting };
  },
});

export default definePlugin({ name: '__NAME__', version: '0.1.0', steps: [greet] });
`;

const TEST = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runStepForTest } from '@baton/plugin-sdk';
import { greet } from './index.js';

test('greets by name', async () => {
  const result = await runStepForTest(greet, { name: 'Ada' });
  assert.deepEqual(result.ok && result.outputs, { greeting: 'Hello, Ada!' });
  assert.equal(result.logs[0]?.message, 'greeting');
});

test('fails for good when there is nobody to greet', async () => {
  const result = await runStepForTest(greet, { name: 'nobody' });
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.error.retryable, false);
});

test('rejects input the schema does not allow', async () => {
  const result = await runStepForTest(greet, { name: '' });
  assert.equal(!result.ok && result.error.code, 'invalid_input');
});
`;
