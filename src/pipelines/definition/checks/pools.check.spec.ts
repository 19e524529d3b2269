import { describe, expect, it } from 'vitest';
import { inMemoryPluginCatalog } from '../in-memory-plugin-catalog.js';
import { validatePipeline } from '../pipeline-validator.js';
import { object, problemsFor, validate, withChanges } from '../pipeline-fixtures.js';

describe('pools check', () => {
  const onPools = withChanges((d) => {
    d.runsOn = 'gpu';
    d.steps.extract.runsOn = 'default';
    d.steps.check.runsOn = 'highmem';
  });

  it('takes any pool name where the installation declares none', () => {
    expect(validate(onPools).valid).toBe(true);
  });

  it('takes the default pool and the declared ones, and names the pools there are for any other', () => {
    expect(validate(onPools, { pools: ['gpu', 'highmem'] }).valid).toBe(true);
    expect(problemsFor(onPools, { pools: ['highmem'] })).toEqual([
      { path: 'runsOn', message: 'No worker pool `gpu` on this installation; it has `default`, `highmem`' },
    ]);
    expect(problemsFor(onPools, { pools: [] })).toEqual([
      { path: 'runsOn', message: 'No worker pool `gpu` on this installation; it has `default`' },
      { path: 'steps.check.runsOn', message: 'No worker pool `highmem` on this installation; it has `default`' },
    ]);
  });

  it('refuses a pool name a task queue or a label could not carry, and runsOn on an approval step', () => {
    const problems = problemsFor(
      withChanges((d) => {
        d.runsOn = 'GPU pool';
        d.steps.gate = { needs: ['check'], approval: { roles: ['admin'] }, runsOn: 'gpu' };
      }),
    );
    expect(problems).toEqual([
      { path: 'runsOn', message: 'A worker pool name must match [a-z][a-z0-9-]{0,30}, e.g. gpu' },
      { path: 'steps.gate.runsOn', message: 'An approval step runs on no worker; only plugin steps take `runsOn`' },
    ]);
  });

  it('refuses runsOn on a pipeline/run step: the child pipeline says where its steps run', () => {
    const catalog = inMemoryPluginCatalog({
      pipeline: [
        {
          version: '1.0.0',
          digest: 'sha256:p100',
          steps: { run: { inputSchema: object({ pipeline: { type: 'string' } }, ['pipeline']) } },
        },
      ],
    });
    const definition = {
      apiVersion: 'baton/v1',
      kind: 'Pipeline',
      name: 'parent',
      runsOn: 'gpu',
      steps: { child: { uses: 'pipeline/run', with: { pipeline: 'child' }, runsOn: 'gpu' } },
    };
    const result = validatePipeline(definition, catalog);
    expect(result.valid ? [] : result.problems).toEqual([
      {
        path: 'steps.child.runsOn',
        message: 'A pipeline/run step starts a run of another pipeline; give the steps of that pipeline a runsOn instead',
      },
    ]);
    // The pipeline's own runsOn is for its plugin steps: a child-run step is simply not sent anywhere.
    delete (definition.steps.child as Record<string, unknown>).runsOn;
    expect(validatePipeline(definition, catalog).valid).toBe(true);
  });
});

describe('execution check', () => {
  it('takes activity or local on a plugin step of the default pool', () => {
    expect(
      validate(
        withChanges((d) => {
          d.steps.extract.execution = 'local';
          d.steps.check.execution = 'activity';
        }),
      ).valid,
    ).toBe(true);
  });

  it('refuses a local step on another pool, an unknown execution, and execution on an approval step', () => {
    expect(
      problemsFor(
        withChanges((d) => {
          d.runsOn = 'gpu';
          d.steps.extract.execution = 'local';
          d.steps.check.execution = 'inline';
          d.steps.gate = { needs: ['check'], approval: { roles: ['admin'] }, execution: 'local' };
        }),
      ),
    ).toEqual([
      { path: 'steps.check.execution', message: 'Must be activity or local' },
      { path: 'steps.gate.execution', message: 'An approval step runs on no worker; only plugin steps take `execution`' },
      {
        path: 'steps.extract.execution',
        message: "A local step runs on the run's own worker; this step runs on pool `gpu`, so it stays an activity there",
      },
    ]);
    expect(
      problemsFor(
        withChanges((d) => {
          d.steps.check.runsOn = 'gpu';
          d.steps.check.execution = 'local';
        }),
      ),
    ).toEqual([
      {
        path: 'steps.check.execution',
        message: "A local step runs on the run's own worker; this step runs on pool `gpu`, so it stays an activity there",
      },
    ]);
  });
});
