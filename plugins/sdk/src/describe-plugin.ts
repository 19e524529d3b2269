import { z } from 'zod';
import {
  PLUGIN_API_VERSION,
  PluginDefinitionError,
  validatePlugin,
  type PluginDefinition,
  type SandboxGrants,
  type StepDefinition,
} from './define-plugin.js';

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

export type ManifestGrants = { scratch?: boolean; installed?: string[]; childProcess?: boolean };

export interface PluginManifest {
  name: string;
  version: string;
  apiVersion: typeof PLUGIN_API_VERSION;
  /** `host:port` patterns of raw network access; empty: HTTP through the broker only. */
  network: string[];
  /** Grants beyond the default sandbox; absent when the plugin asks for none. */
  sandbox?: ManifestGrants;
  steps: StepManifest[];
}

/** The self-description the host catalogues: names, versions and JSON Schema (draft 2020-12) per step. */
export function describePlugin(plugin: PluginDefinition): PluginManifest {
  const { name, version, steps, network, rawNetwork = false, sandbox } = validatePlugin(plugin);
  const grants = sandbox && describeGrants(sandbox);
  return {
    name,
    version,
    apiVersion: PLUGIN_API_VERSION,
    network: [...(network ?? (rawNetwork ? ['*:*'] : []))],
    ...(grants && { sandbox: grants }),
    steps: steps.map(describeStep),
  };
}

/** Only the grants asked for, in a fixed key order: the manifest is signed byte for byte. */
function describeGrants({ scratch, installed, childProcess }: SandboxGrants): ManifestGrants | undefined {
  const grants: ManifestGrants = {
    ...(scratch && { scratch: true }),
    ...(installed?.length && { installed: [...installed] }),
    ...(childProcess && { childProcess: true }),
  };
  return Object.keys(grants).length ? grants : undefined;
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
