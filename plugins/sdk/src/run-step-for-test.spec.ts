import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineStep } from './define-plugin.js';
import { STEP_OUTPUT_MAX_BYTES } from './execute-step.js';
import { runStepForTest } from './run-step-for-test.js';
import { ARTIFACT_MAX_BYTES } from './step-artifacts.js';
import { StepError } from './step-error.js';
import type { ModelVersionInfo } from './step-models.js';

const stepThatRuns = (run: () => unknown, output: z.ZodType = z.looseObject({})) =>
  defineStep({ id: 'subject', title: 'Subject', input: z.looseObject({}), output, run: run });

describe(runStepForTest.name, () => {
  it('passes parsed input (defaults applied) and returns parsed outputs', async () => {
    const step = defineStep({
      id: 'add',
      title: 'Add',
      input: z.strictObject({ a: z.number(), b: z.number().default(1) }),
      output: z.object({ sum: z.number() }),
      run: ({ a, b }) => ({ sum: a + b, ignored: true }),
    });

    expect(await runStepForTest(step, { a: 2 })).toEqual({
      ok: true,
      outputs: { sum: 3 },
      logs: [],
      metrics: [],
      lineage: [],
      events: [],
      artifacts: {},
      models: [],
      comparisons: [],
    });
  });

  it('collects the domain events a step emits, and refuses any type the contracts do not list', async () => {
    const emitting = defineStep({
      id: 'drift',
      title: 'Drift',
      input: z.looseObject({}),
      output: z.looseObject({}),
      run: (_input, ctx) => {
        ctx.emit('model.drift_detected', { feature: 'age', psi: 0.31, at: undefined });
        return {};
      },
    });
    expect(await runStepForTest(emitting, {})).toMatchObject({
      ok: true,
      events: [{ type: 'model.drift_detected', data: { feature: 'age', psi: 0.31 } }],
    });

    const rogue = (type: string, data?: unknown) =>
      defineStep({
        id: 'rogue',
        title: 'Rogue',
        input: z.looseObject({}),
        output: z.looseObject({}),
        run: (_input, ctx) => {
          (ctx.emit as (type: string, data?: unknown) => void)(type, data);
          return {};
        },
      });
    expect(await runStepForTest(rogue('run.completed', {}), {})).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('not an event a step may emit') },
    });
    expect(await runStepForTest(rogue('model.drift_detected', [1]), {})).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('must be a JSON object') },
    });
    expect(await runStepForTest(rogue('model.drift_detected', { blob: 'x'.repeat(9000) }), {})).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('over 8192 bytes') },
    });
  });

  it('rejects invalid input without running the step, naming each path', async () => {
    let ran = false;
    const step = defineStep({
      id: 'strict',
      title: 'Strict',
      input: z.strictObject({ user: z.object({ name: z.string() }) }),
      output: z.object({}),
      run: () => {
        ran = true;
        return {};
      },
    });

    const result = await runStepForTest(step, { user: { name: 7 }, extra: 1 });

    expect(ran).toBe(false);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input', retryable: false } });
    expect(!result.ok && result.error.message).toMatch(/user\.name: .*expected string.*; \(root\): Unrecognized key/);
  });

  it('maps a StepError to its retryability and code', async () => {
    const step = stepThatRuns(() => {
      throw new StepError('quota exhausted', { retryable: false, code: 'quota' });
    });

    expect(await runStepForTest(step, {})).toMatchObject({
      ok: false,
      error: { code: 'step_error', message: 'quota exhausted', retryable: false, stepCode: 'quota' },
    });
  });

  it('treats any other error as retryable and keeps its name', async () => {
    const step = stepThatRuns(() => {
      throw new TypeError('x is not a function');
    });

    expect(await runStepForTest(step, {})).toMatchObject({
      ok: false,
      error: { code: 'step_error', message: 'TypeError: x is not a function', retryable: true },
    });
  });

  it('rejects outputs that break the output schema, are not objects or are too large', async () => {
    const wrongShape = stepThatRuns(() => ({ count: 'many' }), z.object({ count: z.number() }));
    const notObject = stepThatRuns(() => [1, 2], z.unknown());
    const huge = stepThatRuns(() => ({ blob: 'x'.repeat(STEP_OUTPUT_MAX_BYTES) }));

    expect(await runStepForTest(wrongShape, {})).toMatchObject({ ok: false, error: { code: 'invalid_output', retryable: false } });
    expect(await runStepForTest(notObject, {})).toMatchObject({ ok: false, error: { code: 'invalid_output' } });
    expect(await runStepForTest(huge, {})).toMatchObject({ ok: false, error: { code: 'output_too_large', retryable: false } });
  });

  it('returns outputs as JSON would carry them', async () => {
    const step = stepThatRuns(() => ({ at: new Date(0), gone: undefined }));

    expect(await runStepForTest(step, {})).toMatchObject({ ok: true, outputs: { at: '1970-01-01T00:00:00.000Z' } });
  });

  it('collects logs in both call forms, and metrics', async () => {
    const step = defineStep({
      id: 'chatty',
      title: 'Chatty',
      input: z.object({}),
      output: z.object({}),
      run: (_input, ctx) => {
        ctx.log('plain');
        ctx.log('warn', 'careful', { rows: 3 });
        ctx.metric('rows', 3, { table: 't' });
        return {};
      },
    });

    const { logs, metrics } = await runStepForTest(step, {});

    expect(logs).toEqual([
      { level: 'info', message: 'plain' },
      { level: 'warn', message: 'careful', fields: { rows: 3 } },
    ]);
    expect(metrics).toEqual([{ name: 'rows', value: 3, tags: { table: 't' } }]);
  });

  it('hands in declared secrets, the attempt and a stable idempotency key', async () => {
    const step = defineStep({
      id: 'ctx',
      title: 'Context',
      input: z.object({}),
      output: z.looseObject({}),
      secrets: ['TOKEN'],
      run: (_input, ctx) => ({ token: ctx.secrets.TOKEN, attempt: ctx.attempt, key: ctx.idempotencyKey }),
    });

    const result = await runStepForTest(step, {}, { secrets: { TOKEN: 's3cret' }, attempt: 3 });

    expect(result).toMatchObject({ ok: true, outputs: { token: 's3cret', attempt: 3, key: 'test-run:ctx' } });
  });

  it('refuses secrets the step does not declare, as the sandbox would never pass them', async () => {
    await expect(
      runStepForTest(
        stepThatRuns(() => ({})),
        {},
        { secrets: { TOKEN: 'x' } },
      ),
    ).rejects.toThrow(/does not declare secrets TOKEN/);
  });
});

describe('runStepForTest models', () => {
  const registering = defineStep({
    id: 'register',
    title: 'Register',
    input: z.looseObject({}),
    output: z.looseObject({}),
    run: async (_input, ctx) => {
      const first = await ctx.models.register({
        name: 'iris',
        metrics: { accuracy: 0.9 },
        params: { trees: 10 },
        artifact: 'models/iris.json',
      });
      const again = await ctx.models.register({ name: 'iris', metrics: { accuracy: 0.9 }, artifact: 'models/iris.json' });
      await ctx.models.promote('iris', first.version, 'production');
      const production = await ctx.models.get('iris');
      return { first, again, production: production?.version, none: await ctx.models.get('other') };
    },
  });

  it('serves ctx.models from memory: numbered versions, a repeat of the same step replayed, one production version', async () => {
    const existing = {
      name: 'iris',
      version: 1,
      stage: 'production' as const,
      metrics: { accuracy: 0.8 },
      params: {},
      dataset: null,
      artifact: 'old',
      algorithm: null,
      task: null,
      runId: null,
      stepId: null,
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    const result = await runStepForTest(registering, {}, { models: [existing] });
    expect(result.ok && result.outputs).toEqual({
      first: { name: 'iris', version: 2 },
      again: { name: 'iris', version: 2 },
      production: 2,
      none: null,
    });
    expect(result.models.map((v) => [v.version, v.stage])).toEqual([
      [1, 'archived'],
      [2, 'production'],
    ]);
    expect(existing.stage).toBe('production');
  });

  it('a conditional promote moves nothing when production is not the version expected, and fails retryable with production_changed', async () => {
    const guarded = defineStep({
      id: 'guarded',
      title: 'Guarded',
      input: z.object({ expect: z.number().nullable() }),
      output: z.looseObject({}),
      run: async ({ expect: ifProduction }, ctx) => ctx.models.promote('iris', 2, 'production', { ifProduction }),
    });
    const versions = () =>
      [1, 2].map<ModelVersionInfo>((version) => ({
        name: 'iris',
        version,
        stage: version === 1 ? 'production' : 'none',
        metrics: {},
        params: {},
        dataset: null,
        artifact: `m${version}`,
        algorithm: null,
        task: null,
        runId: null,
        stepId: null,
        createdAt: '2026-01-01T00:00:00.000Z',
      }));
    for (const expected of [null, 2]) {
      const stale = await runStepForTest(guarded, { expect: expected }, { models: versions() });
      expect(stale).toMatchObject({
        ok: false,
        error: {
          stepCode: 'production_changed',
          retryable: true,
          message: expect.stringMatching(/^version 1 of iris is in production now/),
        },
      });
      expect(stale.models.map((v) => v.stage)).toEqual(['production', 'none']);
    }
    const current = await runStepForTest(guarded, { expect: 1 }, { models: versions() });
    expect(current.ok).toBe(true);
    expect(current.models.map((v) => v.stage)).toEqual(['archived', 'production']);
  });

  it('refuses a model name the registry would not accept, without calling it', async () => {
    const bad = stepThatRuns(async () => undefined);
    const step = {
      ...bad,
      run: async (_i: unknown, ctx: Parameters<typeof registering.run>[1]) =>
        ctx.models.register({ name: 'no spaces', metrics: {}, artifact: 'x' }),
    };
    const result = await runStepForTest(step, {});
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toMatch(/model name/);
  });
});

describe('runStepForTest artifacts', () => {
  it('refuses an artifact over the size limit at once, with a non-retryable artifact_too_large, and stores nothing', async () => {
    const writing = (bytes: number) =>
      defineStep({
        id: 'write',
        title: 'Write',
        input: z.looseObject({}),
        output: z.looseObject({}),
        run: async (_input, ctx) => ({ ...(await ctx.artifacts.put('out.bin', new Uint8Array(bytes))) }),
      });
    const over = await runStepForTest(writing(ARTIFACT_MAX_BYTES + 1), {});
    expect(over).toMatchObject({
      ok: false,
      error: { retryable: false, stepCode: 'artifact_too_large', message: expect.stringMatching(/out\.bin would be 33554433 bytes/) },
    });
    expect(over.artifacts).toEqual({});
    const atLimit = await runStepForTest(writing(ARTIFACT_MAX_BYTES), {});
    expect(atLimit.ok).toBe(true);
    expect(atLimit.artifacts['out.bin']).toHaveLength(ARTIFACT_MAX_BYTES);
  });
});
