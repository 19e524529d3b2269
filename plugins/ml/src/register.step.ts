import { z } from 'zod';
import { datasetInputSchema, defineStep, MODEL_NAME } from '../../sdk/src/index.js';
import { readModel } from './model-artifact.js';

export const registerStep = defineStep({
  id: 'register',
  title: 'Register a model version',
  description:
    'Registers a model saved by ml/train as a new version of `name` in the model registry (stage `none`), with the `metrics` ml/evaluate reported ' +
    '(null ones, such as a ROC AUC that could not be computed, are left out), the algorithm, task and hyper-parameters the model artifact records, ' +
    'and the training dataset as lineage (`dataset`, or the training data the model artifact names). Outputs the name and the new version.',
  input: z.strictObject({
    name: z.string().regex(MODEL_NAME, `must match ${MODEL_NAME.source}`),
    model: datasetInputSchema,
    metrics: z.record(z.string(), z.number().nullable()),
    dataset: datasetInputSchema.optional(),
  }),
  output: z.strictObject({ name: z.string(), version: z.number().int() }),
  async run({ name, model, metrics, dataset }, ctx) {
    const file = await readModel(model.artifact, ctx);
    const scores = Object.fromEntries(Object.entries(metrics).filter((entry): entry is [string, number] => entry[1] !== null));
    const registered = await ctx.models.register({
      name,
      metrics: scores,
      params: file.params,
      dataset: dataset ?? file.trainedOn,
      artifact: model.artifact,
      algorithm: file.algorithm,
      task: file.task,
    });
    ctx.log('registered', { ...registered, algorithm: file.algorithm, ...scores });
    return registered;
  },
});
