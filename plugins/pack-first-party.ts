// Usage (part of `npm run build`): node dist/plugins/pack-first-party.js
// Packs every first-party plugin in dist/plugins/<name>/ into dist/plugin-packages/<name>/, the way
// `baton plugin pack` packs anyone's. The API signs and publishes them at start-up.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packPlugin } from './sdk/src/package/pack.js';
import { FIRST_PARTY_PUBLISHER } from './sdk/src/package/package-manifest.js';
const PLUGINS = fileURLToPath(new URL('.', import.meta.url));
const PACKAGES = fileURLToPath(new URL('../plugin-packages', import.meta.url));
/** pg's optional native binding, required only if asked for; the sandbox loads no native add-ons anyway. */
const EXTERNAL = ['pg-native'];

const names = readdirSync(PLUGINS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'sdk' && existsSync(join(PLUGINS, d.name, 'src', 'index.js')))
  .map((d) => d.name);
const started = Date.now();
const manifests = await Promise.all(
  names.map((name) =>
    packPlugin({
      entry: join(PLUGINS, name, 'src', 'index.js'),
      outDir: join(PACKAGES, name),
      publisher: FIRST_PARTY_PUBLISHER,
      external: EXTERNAL,
    }),
  ),
);
const sizes = manifests.map((m) => `${m.name}@${m.version} ${Math.round(m.bundle.size / 1024)} KiB`).join(', ');
console.log(`First-party plugin packages in ${Date.now() - started} ms: ${sizes}`);
