import { z } from 'zod';
import { datasetInputSchema, datasetRefSchema, defineStep } from '../../sdk/src/index.js';
import { load, predictedLabel } from './model.js';
import { readModel } from './model-artifact.js';
import { featureMatrix, readRows } from './table.js';

export const predictStep = defineStep({
  id: 'predict',
  title: 'Score a dataset with a model',
  description:
    'Batch scoring: adds the prediction of a model saved by ml/train to every row of a dataset, in the column `column` ' +
    '(the class label for classifiers, the value for regressors), and writes a new dataset.',
  input: z.strictObject({
    model: datasetInputSchema,
    dataset: datasetInputSchema,
    column: z.string().min(1).default('prediction'),
  }),
  output: z.strictObject({ dataset: datasetRefSchema, count: z.number().int() }),
  async run({ model: modelRef, dataset, column }, ctx) {
    const file = await readModel(modelRef.artifact, ctx);
    const rows = await readRows(dataset.artifact, ctx);
    const { values } = rows.length ? load(file).predict(featureMatrix(rows, file.features, dataset.artifact)) : { values: [] };
    const scored = rows.map((row, i) => ({ ...row, [column]: predictedLabel(file, values[i]!) }));
    const written = await ctx.artifacts.writeDataset(ctx.artifacts.ownKey('predictions.ndjson'), scored);
    ctx.lineage.output(written);
    ctx.log('scored', { rows: rows.length, algorithm: file.algorithm });
    return { dataset: written, count: rows.length };
  },
});
