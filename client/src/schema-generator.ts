import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

/**
 * The TypeScript types of an OpenAPI document, as committed in schema.gen.ts: `npm run client:schema`
 * writes them, test/tooling/client-schema.spec.ts fails when they drift from the API.
 */
export async function clientSchemaSource(document: object): Promise<string> {
  return COMMENT_HEADER + astToString(await openapiTS(document as Parameters<typeof openapiTS>[0]));
}
