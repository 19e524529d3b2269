import { yamlLanguage } from '@codemirror/lang-yaml';
import { hoverTooltip, type Extension } from '@uiw/react-codemirror';
import { stateExtensions } from 'codemirror-json-schema';
import { yamlCompletion, yamlSchemaHover } from 'codemirror-json-schema/yaml';
import type { JSONSchema7 } from 'json-schema';
import pipelineSchema from '../../../../docs/pipeline.schema.json';

/** Completion and hover from docs/pipeline.schema.json (the API's check does the linting, so the schema does not lint here too). */
export const pipelineSchemaSupport: Extension[] = [
  yamlLanguage.data.of({ autocomplete: yamlCompletion() }),
  hoverTooltip(yamlSchemaHover()),
  stateExtensions(pipelineSchema as JSONSchema7),
];
