import { describe, expect, it } from 'vitest';
import type { PinnedStep, PipelineDefinition, StepStatus } from '../../workers/contracts/index.js';
import { poolField, stepsDueOnPools } from './pool-waits.js';

const pin = (plugin: string, step: string): PinnedStep => ({ plugin, step, version: '1.0.0', digest: `sha256:${plugin}` });
const definition = {
  apiVersion: 'baton/v1',
  kind: 'Pipeline',
  name: 'train',
  runsOn: 'gpu',
  steps: {
    extract: { uses: 'core/noop', runsOn: 'default' },
    train: { uses: 'ml/train', needs: ['extract'] },
    gate: { needs: ['train'], approval: { roles: ['admin'], timeout: '1h', onTimeout: 'reject' } },
    child: { uses: 'pipeline/run', needs: ['extract'] },
    publish: { uses: 'core/noop', needs: ['train', 'extract'], runsOn: 'cpu' },
  },
} satisfies PipelineDefinition;
const pins = { extract: pin('core', 'noop'), train: pin('ml', 'train'), child: pin('pipeline', 'run'), publish: pin('core', 'noop') };
const statuses = (entries: Record<string, StepStatus>) => new Map(Object.entries(entries));

describe('steps due on pools', () => {
  it('names the started steps and the queued ones whose needs all ended, each with its pool', () => {
    expect(
      stepsDueOnPools(definition, pins, statuses({ extract: 'running', train: 'queued', child: 'queued', publish: 'queued' })),
    ).toEqual(new Map([['extract', 'default']]));
    expect(
      stepsDueOnPools(definition, pins, statuses({ extract: 'succeeded', train: 'queued', child: 'running', publish: 'queued' })),
    ).toEqual(new Map([['train', 'gpu']]));
    expect(
      stepsDueOnPools(definition, pins, statuses({ extract: 'succeeded', train: 'failed', gate: 'skipped', publish: 'queued' })),
    ).toEqual(new Map([['publish', 'cpu']]));
  });

  it('leaves out approval steps and child runs, which run on no pool', () => {
    const due = stepsDueOnPools(
      definition,
      pins,
      statuses({ extract: 'succeeded', train: 'succeeded', gate: 'waiting', child: 'running', publish: 'queued' }),
    );
    expect([...due.keys()]).toEqual(['publish']);
  });

  it('gives the pool of a plugin step or failure handler only when it is not the default one', () => {
    const version = { definition, pins };
    expect(poolField(version, 'train')).toEqual({ pool: 'gpu' });
    expect(poolField(version, 'extract')).toEqual({});
    expect(poolField(version, 'gate')).toEqual({});
    expect(poolField(version, 'child')).toEqual({});
    expect(poolField(version, 'onFailure[0]')).toEqual({ pool: 'gpu' });
    expect(poolField({ definition: { ...definition, runsOn: undefined }, pins }, 'onFailure[0]')).toEqual({});
    expect(poolField(undefined, 'train')).toEqual({});
  });
});
