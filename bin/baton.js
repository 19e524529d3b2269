#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
if (!existsSync(main)) {
  console.error('baton: not built yet. Run `npm start` (or `npm run build`) in the Baton folder first.');
  process.exit(1);
}
await import(main);
