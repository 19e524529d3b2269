// `npm run client:schema`: writes client/src/schema.gen.ts, the types of @baton/client, from the API's OpenAPI
// document (as built into dist/). test/tooling/client-schema.spec.ts fails when it drifts from the API.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { clientSchemaSource } from '../dist/client/src/schema-generator.js';

const baton = fileURLToPath(new URL('../bin/baton.js', import.meta.url));
const document = JSON.parse(execFileSync(process.execPath, [baton, 'openapi'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
const file = fileURLToPath(new URL('../client/src/schema.gen.ts', import.meta.url));
await writeFile(file, await clientSchemaSource(document));
console.log(`Wrote ${file}`);
