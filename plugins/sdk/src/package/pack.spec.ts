import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { PluginDefinition } from '../define-plugin.js';
import { packPlugin } from './pack.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-pack-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Packs a plugin whose one step reports what zod's locales look like inside its bundle. */
async function packLocaleProbe(): Promise<{ bundle: string; plugin: PluginDefinition }> {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(
    join(dir, 'src', 'index.ts'),
    `import { definePlugin, defineStep } from '@baton/plugin-sdk';
import { z } from 'zod';
import fr from 'zod/v4/locales/fr.js';
export default definePlugin({
  name: 'locale-probe', version: '1.0.0',
  steps: [defineStep({
    id: 'probe', title: 'Probe',
    input: z.object({}),
    output: z.object({ english: z.string(), french: z.string(), bundled: z.array(z.string()) }),
    run: () => {
      const english = z.string().safeParse(1).error!.issues[0].message;
      const french = z.string().safeParse(1, { error: fr().localeError }).error!.issues[0].message;
      return { english, french, bundled: Object.keys(z.locales) };
    },
  })],
});
`,
  );
  const outDir = join(dir, 'out');
  await packPlugin({ entry: join(dir, 'src', 'index.ts'), outDir, publisher: 'spec' });
  const path = join(outDir, 'bundle.mjs');
  const plugin = ((await import(pathToFileURL(path).href)) as { default: PluginDefinition }).default;
  return { bundle: readFileSync(path, 'utf8'), plugin };
}

describe('packPlugin', () => {
  it("bundles zod's English messages alone, and a language the plugin imports by path", async () => {
    const { bundle, plugin } = await packLocaleProbe();
    const result = await plugin.steps[0].run({}, {} as never);
    expect(result).toEqual({
      english: 'Invalid input: expected string, received number',
      french: expect.stringMatching(/^Entrée invalide/),
      bundled: ['en'],
    });
    // German is neither imported nor bundled: the other ~50 languages stay out.
    expect(bundle).not.toContain('Ungültige Eingabe');
  }, 30_000);
});
