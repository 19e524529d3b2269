import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { nextActions, runOutcome, type StepStates } from '../workers/contracts/graph.js';
import {
  newPipeline,
  newTenant,
  savePipeline,
  startRun,
  uniqueName,
  waitForRun,
  type RunView,
  type TestTenant,
} from './support/builders.js';
import { predict, type ModelStep } from './support/reference-model.js';

/**
 * Property-based whole-stack test of the graph semantics: random DAGs of echo and fail steps,
 * with `continueOnError`, `if` and `forEach` (over none to three items), run through the real API, Temporal and worker, and compared
 * with a pure reference model of PIPELINES.md (test/support/reference-model.ts).
 *
 * Replay a failure with BATON_FC_SEED=<seed> (and BATON_FC_PATH=<path> to skip to the shrunk case),
 * printed by fast-check; BATON_FC_RUNS overrides the number of generated pipelines.
 */

const MAX_STEPS = 8;
const NUM_RUNS = Number(process.env.BATON_FC_RUNS ?? 25);
const SEED = process.env.BATON_FC_SEED === undefined ? undefined : Number(process.env.BATON_FC_SEED);
const PATH = process.env.BATON_FC_PATH;
const replay = { ...(SEED === undefined ? {} : { seed: SEED }), ...(PATH === undefined ? {} : { path: PATH }) };

type Steps = Record<string, ModelStep & Record<string, unknown>>;

/** One generated step before it is tied to the steps defined before it. */
const rawStep = fc.record({
  fails: fc.oneof({ arbitrary: fc.constant(false), weight: 2 }, { arbitrary: fc.constant(true), weight: 1 }),
  continueOnError: fc.oneof({ arbitrary: fc.constant(false), weight: 2 }, { arbitrary: fc.constant(true), weight: 1 }),
  flag: fc.boolean(),
  /** Indexes of earlier steps; those not earlier than this step are dropped. */
  needs: fc.subarray([...Array(MAX_STEPS - 1).keys()]),
  condition: fc.oneof(
    { arbitrary: fc.constant('none' as const), weight: 3 },
    { arbitrary: fc.constant('false' as const), weight: 1 },
    { arbitrary: fc.constant('true' as const), weight: 1 },
    { arbitrary: fc.constant('flag' as const), weight: 3 },
  ),
  /** Picks which upstream echo step's flag the condition reads. */
  flagSource: fc.nat(),
  /** A fan-out over this many items, or none. */
  items: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 3 }), weight: 1 }),
});
type RawStep = typeof rawStep extends fc.Arbitrary<infer T> ? T : never;

const stepId = (index: number) => `s${index + 1}`;

/** Turns raw steps into a definition's `steps`: needs only point backwards, so there are no cycles. */
function toSteps(raw: RawStep[]): Steps {
  const steps: Steps = {};
  const upstream: Array<Set<number>> = [];
  raw.forEach((r, i) => {
    const needs = r.needs.filter((j) => j < i);
    const above = new Set<number>(needs);
    for (const j of needs) for (const k of upstream[j]) above.add(k);
    upstream.push(above);
    const step: Steps[string] = r.fails
      ? { uses: 'core/fail@^1', with: { message: `planned failure of ${stepId(i)}`, retryable: false }, retry: { maxAttempts: 1 } }
      : { uses: 'core/echo@^1', with: { flag: r.flag, step: stepId(i) } };
    if (needs.length) step.needs = needs.map(stepId);
    if (r.items !== undefined) Object.assign(step, { forEach: [...Array(r.items).keys()], maxParallel: 2 });
    if (r.continueOnError) step.continueOnError = true;
    if (r.condition === 'false') step.if = false;
    if (r.condition === 'true') step.if = true;
    if (r.condition === 'flag') {
      // Any step upstream (not only direct needs) may be read; the validator allows that.
      const sources = [...above].filter((j) => !raw[j].fails && raw[j].items === undefined).sort((a, b) => a - b);
      if (sources.length) step.if = `\${{ steps.${stepId(sources[r.flagSource % sources.length])}.outputs.flag }}`;
    }
    steps[stepId(i)] = step;
  });
  return steps;
}

const stepsArbitrary = fc.array(rawStep, { minLength: 2, maxLength: MAX_STEPS }).map(toSteps);

describe('reference model (pure)', () => {
  it('matches the documented examples', () => {
    expect(
      predict({
        check: { uses: 'core/echo@^1', with: { flag: false } },
        publish: { uses: 'core/echo@^1', needs: ['check'], if: '${{ steps.check.outputs.flag }}' },
        announce: { uses: 'core/echo@^1', needs: ['publish'] },
        never: { uses: 'core/echo@^1', if: false },
        always: { uses: 'core/echo@^1', needs: ['check', 'never'] },
      }),
    ).toEqual({
      run: 'succeeded',
      steps: { check: 'succeeded', publish: 'skipped', announce: 'skipped', never: 'skipped', always: 'succeeded' },
    });
    expect(
      predict({
        boom: { uses: 'core/fail@^1' },
        after: { uses: 'core/echo@^1', needs: ['boom'] },
        later: { uses: 'core/echo@^1', needs: ['after'] },
        optional: { uses: 'core/fail@^1', continueOnError: true },
        report: { uses: 'core/echo@^1', needs: ['optional'] },
        mixed: { uses: 'core/echo@^1', needs: ['after', 'optional'] },
      }),
    ).toEqual({
      run: 'failed',
      steps: { boom: 'failed', after: 'skipped', later: 'skipped', optional: 'failed', report: 'succeeded', mixed: 'succeeded' },
    });
    expect(
      predict({ optional: { uses: 'core/fail@^1', continueOnError: true }, next: { uses: 'core/echo@^1', needs: ['optional'] } }).run,
    ).toBe('succeeded');
  });

  // Cheap and broad: the workflow's own scheduling helpers, driven to completion, agree with the model.
  it('agrees with the scheduling rules in workers/contracts/graph.ts', () => {
    fc.assert(
      fc.property(stepsArbitrary, (steps) => {
        const states: StepStates = Object.fromEntries(Object.keys(steps).map((id) => [id, 'pending']));
        for (let round = 0; round < 100; round++) {
          const { run, skip } = nextActions(steps, states);
          for (const { stepId: id } of skip) states[id] = 'skipped';
          for (const id of run) {
            const condition = steps[id].if;
            const source = typeof condition === 'string' ? /steps\.(\w+)\./.exec(condition)![1] : undefined;
            const holds = source !== undefined ? states[source] === 'succeeded' && steps[source].with!.flag === true : condition !== false;
            const fails = steps[id].uses.startsWith('core/fail') && steps[id].forEach?.length !== 0;
            states[id] = !holds ? 'skipped' : fails ? 'failed' : 'succeeded';
          }
          if (!run.length && !skip.length) break;
        }
        const model = predict(steps);
        expect(states).toEqual(model.steps);
        expect(runOutcome(steps, states).status).toBe(model.run);
      }),
      { numRuns: 2_000, ...replay },
    );
  });
});

describe('engine properties (whole stack)', () => {
  let tenant: TestTenant;
  beforeAll(async () => {
    tenant = await newTenant();
  });

  it('runs random step graphs exactly as the reference model predicts', { timeout: 240_000 }, async () => {
    const started = Date.now();
    let executed = 0;
    await fc.assert(
      fc.asyncProperty(stepsArbitrary, async (steps) => {
        executed++;
        const definition = newPipeline(uniqueName('prop'), steps);
        const model = predict(steps);
        await savePipeline(tenant, definition);
        const run = await waitForRun(tenant, await startRun(tenant, definition.name), undefined, 60_000);
        const context = `definition: ${JSON.stringify(definition)}\nrun: ${JSON.stringify(run)}`;
        checkRun(run, steps, model, context);
      }),
      // Shrinking reruns pipelines; the time limit keeps a failing case from outliving the test.
      { numRuns: NUM_RUNS, interruptAfterTimeLimit: 180_000, markInterruptAsFailure: true, ...replay },
    );
    console.log(`engine properties: ${executed} pipelines in ${Math.round((Date.now() - started) / 1000)} s`);
  });
});

function checkRun(run: RunView, steps: Steps, model: ReturnType<typeof predict>, context: string): void {
  const actual = Object.fromEntries(run.steps.map((s) => [s.id, s.status]));
  expect(actual, `step statuses\n${context}`).toEqual(model.steps);
  expect(run.status, `run status\n${context}`).toBe(model.run);
  const byId = new Map(run.steps.map((s) => [s.id, s]));
  for (const step of run.steps) {
    const definition = steps[step.id];
    expect(step.endedAt, `${step.id} has no endedAt\n${context}`).not.toBeNull();
    if (step.status === 'skipped') {
      expect(step.startedAt, `skipped ${step.id} has a startedAt\n${context}`).toBeNull();
      continue;
    }
    expect(step.startedAt, `${step.id} has no startedAt\n${context}`).not.toBeNull();
    expect(step.attempt, `${step.id} attempt\n${context}`).toBe(1);
    for (const need of definition.needs ?? []) {
      const ended = byId.get(need)!.endedAt;
      expect(ended, `need ${need} of ${step.id} has no endedAt\n${context}`).not.toBeNull();
      expect(Date.parse(step.startedAt!), `${step.id} started before its need ${need} ended\n${context}`).toBeGreaterThanOrEqual(
        Date.parse(ended!),
      );
    }
    if (step.status !== 'succeeded') continue;
    const outputs = definition.forEach ? definition.forEach.map(() => definition.with) : definition.with;
    expect(step.outputs, `${step.id} outputs\n${context}`).toEqual(outputs);
  }
}
