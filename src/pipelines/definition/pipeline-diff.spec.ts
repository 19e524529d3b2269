import { describe, expect, it } from 'vitest';
import type { PipelineDefinition } from '../../../workers/contracts/index.js';
import { diffPipelines, unchangedSteps, type PipelineSnapshot } from './pipeline-diff.js';

const pin = (version: string) => ({ plugin: 'core', step: 'log', version, digest: `sha256:${version}` });

function snapshot(steps: PipelineDefinition['steps'], extra: Partial<PipelineDefinition> = {}, version = '1.0.0'): PipelineSnapshot {
  const definition = { apiVersion: 'baton/v1', kind: 'Pipeline', name: 'hello', steps, ...extra } as PipelineDefinition;
  return { definition, pins: Object.fromEntries(Object.keys(steps).map((id) => [id, pin(version)])) };
}

const base = {
  fetch: { uses: 'core/log@^1', with: { message: 'a', level: 'info' } },
  load: { uses: 'core/log@^1', needs: ['fetch'], with: { message: 'b' } },
  report: { uses: 'core/log@^1', with: { message: 'c' } },
} as unknown as PipelineDefinition['steps'];

describe('diffPipelines', () => {
  it('finds nothing between equal versions', () => {
    expect(diffPipelines(snapshot(base), snapshot(base))).toEqual({ steps: [], fields: [] });
  });

  it('names the changed leaf of a step, the added and the removed steps, and other fields', () => {
    const { report: _dropped, ...kept } = base as Record<string, unknown>;
    const after = snapshot(
      {
        ...kept,
        fetch: { uses: 'core/log@^1', with: { message: 'A', level: 'info' } },
        notify: { uses: 'core/log@^1', needs: ['load'] },
      },
      { description: 'now described' },
    );
    expect(diffPipelines(snapshot(base), after)).toEqual({
      steps: [
        { id: 'fetch', change: 'changed', fields: [{ path: 'with.message', before: 'a', after: 'A' }] },
        { id: 'notify', change: 'added', fields: [] },
        { id: 'report', change: 'removed', fields: [] },
      ],
      fields: [{ path: 'description', before: undefined, after: 'now described' }],
    });
  });

  it('counts a new pinned plugin version as a change of every step it runs', () => {
    const { steps } = diffPipelines(snapshot(base), snapshot(base, {}, '1.1.0'));
    expect(steps.map((s) => [s.id, s.fields])).toEqual(
      ['fetch', 'load', 'report'].map((id) => [id, [{ path: 'pin', before: 'core/log@1.0.0', after: 'core/log@1.1.0' }]]),
    );
  });

  it('treats everything as added when there is no version yet, and cuts long values', () => {
    const long = snapshot({ a: { uses: 'core/log@^1', with: { message: 'x'.repeat(500) } } });
    expect(diffPipelines(null, long).steps).toEqual([{ id: 'a', change: 'added', fields: [] }]);
    const shorter = snapshot({ a: { uses: 'core/log@^1', with: { message: 'y' } } });
    const [field] = diffPipelines(long, shorter).steps[0].fields;
    expect(String(field.before)).toHaveLength(201);
  });
});

describe('unchangedSteps', () => {
  it('keeps a step only when it and everything it needs are unchanged', () => {
    const after = snapshot({ ...base, fetch: { uses: 'core/log@^1', with: { message: 'changed' } } });
    expect([...unchangedSteps(snapshot(base), after)].sort()).toEqual(['report']);
    expect([...unchangedSteps(snapshot(base), snapshot(base))].sort()).toEqual(['fetch', 'load', 'report']);
  });
});
