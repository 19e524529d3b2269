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
    model: z.union([z.strictObject({ name: z.string().regex(MODEL_NAME, `must match ${MODEL_NAME.source}`), stage: z.enum(MODEL_STAGES).default('production') }), datasetInputSchema]),
    dataset: datasetInputSchema,
    column: z.string().min(1).default('prediction'),
  }),
  output: z.strictObject({
    dataset: datasetRefSchema,
    count: z.number().int(),
    model: z.strictObject({ artifact: z.string(), name: z.string().optional(), version: z.number().int().optional(), stage: z.enum(MODEL_STAGES).optional() }),
  }),
  async run({ model: modelRef, dataset, column }, ctx) {
    let used: { artifact: string; name?: string; version?: number; stage?: (typeof MODEL_STAGES)[number] };
    if ('name' in modelRef && typeof modelRef.name === 'string' && !('artifact' in modelRef)) {
      const stage = (modelRef.stage ?? 'production') as (typeof MODEL_STAGES)[number];
      const found = await ctx.models.get(modelRef.name, stage);
      if (!found) throw new StepError(`model ${modelRef.name} has no version in stage ${stage}`, { retryable: false, code: 'no_model_version' });
      used = { artifact: found.artifact, name: found.name, version: found.version, stage };
    } else {
      used = { artifact: (modelRef as { artifact: string }).artifact };
    }
    const file = await readModel(used.artifact, ctx);
    const rows = await readRows(dataset.artifact, ctx);
    const { values } = rows.length ? load(file).predict(featureMatrix(rows, file.features, dataset.artifact)) : { values: [] };
    const scored = rows.map((row, i) => ({ ...row, [column]: predictedLabel(file, values[i]!) }));
    const written = await ctx.artifacts.writeDataset(ctx.artifacts.ownKey('predictions.ndjson'), scored);
    ctx.lineage.output(written);
    ctx.log('scored', { rows: rows.length, algorithm: file.algorithm, ...used });
    return { dataset: written, count: rows.length, model: used };
  },
});
