/** The API's types, from the typed client the CLI uses too (client/src/schema.gen.ts, generated from /openapi.json). */
export type { components, paths } from '../../../client/src/schema.gen';
