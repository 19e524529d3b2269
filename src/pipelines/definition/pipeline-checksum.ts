import { createHash } from 'node:crypto';
import type { PinnedStep, PipelineDefinition } from '../../../workers/contracts/pipeline.contract.js';

/** JSON with object keys sorted at every level, so equal definitions serialize identically. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

/**
 * SHA-256 (hex) of the canonical definition and its pins: tells an unchanged re-apply from a new
 * version. Pins count, so re-applying after a plugin upgrade pins the new plugin in a new version.
 */
export function pipelineChecksum(definition: PipelineDefinition, pins: Record<string, PinnedStep>): string {
  return createHash('sha256').update(canonicalJson({ definition, pins })).digest('hex');
}
