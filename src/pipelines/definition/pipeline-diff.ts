import { isDeepStrictEqual } from 'node:util';
import type { PipelineDefinition } from '../../../workers/contracts/index.js';

/** What a version pins per step: the plugin step version it runs. */
type Pins = Record<string, { plugin: string; step: string; version: string; digest: string }>;
export type PipelineSnapshot = { definition: PipelineDefinition; pins: Pins };

/** One value that differs: where (`with.url`, `retry.maxAttempts`, `pin`), and both sides, `undefined` when absent. */
export type FieldChange = { path: string; before?: unknown; after?: unknown };
export type StepChange = { id: string; change: 'added' | 'removed' | 'changed'; fields: FieldChange[] };
export type PipelineDiff = { steps: StepChange[]; fields: FieldChange[] };

/** Long values are cut in a plan: it is read by a person, who can fetch the version for the rest. */
const MAX_VALUE_CHARS = 200;

/**
 * How `after` differs from `before`, step by step (a changed pin counts: the same `uses: x@^1`
 * may run another version once a newer one is published), then the pipeline's other fields.
 * Steps come in the order of `after`'s definition, the removed ones last.
 */
export function diffPipelines(before: PipelineSnapshot | null, after: PipelineSnapshot): PipelineDiff {
  const beforeSteps: Record<string, unknown> = before?.definition.steps ?? {};
  const steps: StepChange[] = [];
  for (const [id, step] of Object.entries(after.definition.steps)) {
    if (!(id in beforeSteps)) {
      steps.push({ id, change: 'added', fields: [] });
      continue;
    }
    const fields = changedFields(beforeSteps[id], step, '');
    const pinBefore = before?.pins[id];
    const pinAfter = after.pins[id];
    if (!isDeepStrictEqual(pinBefore, pinAfter)) fields.push({ path: 'pin', before: pinLabel(pinBefore), after: pinLabel(pinAfter) });
    if (fields.length) steps.push({ id, change: 'changed', fields });
  }
  for (const id of Object.keys(beforeSteps)) if (!(id in after.definition.steps)) steps.push({ id, change: 'removed', fields: [] });
  const { steps: _before, ...restBefore } = before?.definition ?? ({} as Partial<PipelineDefinition>);
  const { steps: _after, ...restAfter } = after.definition;
  return { steps, fields: changedFields(restBefore, restAfter, '') };
}

/** The step ids whose own definition and pin are unchanged, and so are those of every step they need. */
export function unchangedSteps(before: PipelineSnapshot, after: PipelineSnapshot): Set<string> {
  const changed = new Set(diffPipelines(before, after).steps.map((s) => s.id));
  const unchanged = new Set<string>();
  const visit = (id: string, seen: Set<string>): boolean => {
    if (unchanged.has(id)) return true;
    if (changed.has(id) || seen.has(id) || !(id in after.definition.steps)) return false;
    seen.add(id);
    const ok = (after.definition.steps[id].needs ?? []).every((need) => visit(need, seen));
    if (ok) unchanged.add(id);
    return ok;
  };
  for (const id of Object.keys(after.definition.steps)) visit(id, new Set());
  return unchanged;
}

const pinLabel = (pin: Pins[string] | undefined) => (pin ? `${pin.plugin}/${pin.step}@${pin.version}` : undefined);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Leaf-level differences of two JSON values; arrays count as one value (`needs: [a] → [a, b]`). */
function changedFields(before: unknown, after: unknown, path: string): FieldChange[] {
  if (isDeepStrictEqual(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(after), ...Object.keys(before)])];
    return keys.flatMap((key) => changedFields(before[key], after[key], path ? `${path}.${key}` : key));
  }
  return [{ path: path || '(root)', before: shown(before), after: shown(after) }];
}

function shown(value: unknown): unknown {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : value;
}
