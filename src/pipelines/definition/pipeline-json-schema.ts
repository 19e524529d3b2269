import { z } from 'zod';
import { PipelineDefinitionSchema } from './pipeline-definition.schema.js';

export const PIPELINE_SCHEMA_ID = 'urn:baton:schema:pipeline:baton/v1';

/**
 * The JSON Schema (draft 2020-12) of a pipeline definition as written, from the zod schema that
 * validates it, for editors (`# yaml-language-server: $schema=…`) and other tools. Checks zod runs
 * in code (durations, duplicate ids, the graph, expressions, plugins) are not in it: the server's
 * answer to `POST /v1/pipelines/validate` is the whole verdict.
 */
export function pipelineJsonSchema(): Record<string, unknown> {
  const { $schema, ...schema } = z.toJSONSchema(PipelineDefinitionSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return {
    $schema,
    $id: PIPELINE_SCHEMA_ID,
    title: 'Baton pipeline (baton/v1)',
    description: 'A Baton pipeline definition (apiVersion baton/v1, kind Pipeline), in YAML or JSON.',
    ...schema,
  };
}
