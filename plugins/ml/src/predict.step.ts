import { z } from 'zod';
import { datasetInputSchema, datasetRefSchema, defineStep, MODEL_NAME, MODEL_STAGES, StepError } from '../../sdk/src/index.js';
import { load, predictedLabel } from './model.js';
import { readModel } from './model-artifact.js';
import { featureMatrix, readRows } from './table.js';

export const predictStep = defineStep({
  id: 'predict',
  title: 'Score a dataset with a model',
  description:
    'Batch scoring: adds the prediction of a model saved by ml/train to every row of a dataset, in the column `column` ' +
    '(the class label for classifiers, the value for regressors), and writes a new dataset. `model` is the model artifact, or `{ name, stage }` ' +
    '(stage defaults to production) to use the version of a registered model in that stage; the `model` output names the artifact and version used.',
  input: z.strictObject({
    // One object rather than a union: a pipeline is checked against the JSON Schema when saved, with expressions in place of values.
    model: z
      .object({
        artifact: z.string().min(1).optional(),
        name: z.string().regex(MODEL_NAME, `must match ${MODEL_NAME.source}`).optional(),
        stage: z.enum(MODEL_STAGES).optional(),
      })
      .loose()
      .refine(
        (m) => (m.artifact === undefined) !== (m.name === undefined),
        "give either the model `artifact` or the registered model's `name` (and `stage`)",
      ),
    dataset: datasetInputSchema,
    column: z.string().min(1).default('prediction'),
  }),
  output: z.strictObject({
    dataset: datasetRefSchema,
    count: z.number().int(),
    model: z.strictObject({
      artifact: z.string(),
      name: z.string().optional(),
      version: z.number().int().optional(),
      stage: z.enum(MODEL_STAGES).optional(),
    }),
  }),
  async run({ model: modelRef, dataset, column }, ctx) {
    let used: { artifact: string; name?: string; version?: number; stage?: (typeof MODEL_STAGES)[number] };
    if (modelRef.name !== undefined) {
      const stage = modelRef.stage ?? 'production';
      const found = await ctx.models.get(modelRef.name, stage);
      if (!found)
        throw new StepError(`model ${modelRef.name} has no version in stage ${stage}`, { retryable: false, code: 'no_model_version' });
      used = { artifact: found.artifact, name: found.name, version: found.version, stage };
    } else {
      used = { artifact: modelRef.artifact! };
    }
    const file = await readModel(used.artifact, ctx);
    const rows = await readRows(dataset.artifact, ctx);
    const { values } = rows.length ? load(file).predict(featureMatrix(rows, file.features, dataset.artifact)) : { values: [] };
    // The rows were parsed for this step alone: the column goes into them rather than into a copy of
    // every row. Defined, not assigned, so that a column named `__proto__` is a column as in a literal.
    rows.forEach((row, i) =>
      Object.defineProperty(row, column, { value: predictedLabel(file, values[i]), enumerable: true, writable: true, configurable: true }),
    );
    const written = await ctx.artifacts.writeDataset(ctx.artifacts.ownKey('predictions.ndjson'), rows);
    ctx.lineage.output(written);
    ctx.log('scored', { rows: rows.length, algorithm: file.algorithm, ...used });
    return { dataset: written, count: rows.length, model: used };
  },
});
