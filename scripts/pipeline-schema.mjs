// `npm run docs:schema`: writes docs/pipeline.schema.json, the JSON Schema of the pipeline format, from the
// zod schema that validates pipelines (as built into dist/). test/tooling/pipeline-schema.spec.ts fails when it drifts.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import { pipelineJsonSchema } from '../dist/src/pipelines/definition/pipeline-json-schema.js';

const file = fileURLToPath(new URL('../docs/pipeline.schema.json', import.meta.url));
const text = await prettier.format(JSON.stringify(pipelineJsonSchema()), { ...(await prettier.resolveConfig(file)), filepath: file });
await writeFile(file, text);
console.log(`Wrote ${file}`);
