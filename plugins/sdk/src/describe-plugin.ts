import { z } from 'zod';
import { PLUGIN_API_VERSION, PluginDefinitionError, validatePlugin, type PluginDefinition, type StepDefinition } from './define-plugin.js';

export type JsonSchema = Record<string, unknown>;

export interface StepManifest {
  id: string;
  title: string;
  description: string;
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
  secrets: string[];
  egress: string[];
}

export interface PluginManifest {
  name: string;
  version: string;
  apiVersion: typeof PLUGIN_API_VERSION;
  /** `host:port` patterns of raw network access; empty: HTTP through the broker only. */
  network: string[];
  steps: StepManifest[];
}

/** The self-description the host catalogues: names, versions and JSON Schema (draft 2020-12) per step. */
export function describePlugin(plugin: PluginDefinition): PluginManifest {
  const { name, version, steps, network, rawNetwork = false } = validatePlugin(plugin);
  return {
    name,
    version,
    apiVersion: PLUGIN_API_VERSION,
    network: [...(network ?? (rawNetwork ? ['*:*'] : []))],
    steps: steps.map(describeStep),
  };
}

function describeStep(step: StepDefinition): StepManifest {
  return {
    id: step.id,
    title: step.title,
    description: step.description ?? '',
    // `io: 'input'` so fields with defaults are optional for whoever writes the pipeline.
    inputSchema: toJsonSchema(step, 'input'),
    outputSchema: toJsonSchema(step, 'output'),
    secrets: [...step.secrets],
    egress: [...step.egress],
  };
}

function toJsonSchema(step: StepDefinition, io: 'input' | 'output'): JsonSchema {
  try {
    return z.toJSONSchema(step[io], { io, target: 'draft-2020-12' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PluginDefinitionError([`step "${step.id}": ${io} schema has no JSON Schema form (${reason})`]);
  }
}
