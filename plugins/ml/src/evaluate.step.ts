import { z } from 'zod';
import { datasetInputSchema, defineStep, StepError, type StepContext } from '../../sdk/src/index.js';
import { classificationMetrics, regressionMetrics } from './metrics.js';
import { load, type ModelFile } from './model.js';
import { readModel } from './model-artifact.js';
import { featureMatrix, labelColumn, labelKey, numericColumn, readRows, rowsDigest } from './table.js';

const label = z.union([z.string(), z.number(), z.boolean()]);

export const evaluateStep = defineStep({
  id: 'evaluate',
  title: 'Evaluate a model on held-out data',
  description:
    'Scores a model saved by ml/train on a held-out dataset (never its training data: the same artifact or the same rows are refused). ' +
    'Classifiers: accuracy, macro precision, recall and F1, one-vs-rest macro ROC AUC from the predicted probabilities, and the confusion matrix. ' +
    'Regressors: RMSE, MAE and R². Each metric is also reported as the step metric `ml_<name>`.',
  input: z.strictObject({
    model: datasetInputSchema,
    dataset: datasetInputSchema,
  }),
  output: z.strictObject({
    task: z.enum(['classification', 'regression']),
    algorithm: z.string(),
    rows: z.number().int(),
    metrics: z.record(z.string(), z.number().nullable()),
    /** Rows are actual classes, columns predicted ones, both in the order of `labels`. */
    confusionMatrix: z.strictObject({ labels: z.array(label), matrix: z.array(z.array(z.number().int())) }).optional(),
  }),
  async run({ model: modelRef, dataset }, ctx) {
    const file = await readModel(modelRef.artifact, ctx);
    const { rows, metrics, confusionMatrix } = await scoreModel(file, dataset.artifact, ctx);
    for (const [name, value] of Object.entries(metrics)) if (value !== null) ctx.metric(`ml_${name}`, value, { algorithm: file.algorithm });
    ctx.log('evaluated', { rows, ...metrics });
    return { task: file.task, algorithm: file.algorithm, rows, metrics, ...(confusionMatrix && { confusionMatrix }) };
  },
});

export interface Score {
  rows: number;
  metrics: Record<string, number | null>;
  confusionMatrix?: { labels: NonNullable<ModelFile['classes']>; matrix: number[][] };
}

/**
 * A model's metrics on a held-out dataset (ml/evaluate's and ml/compare's scoring): refuses the data
 * the model was trained on (the same artifact or the same rows) and an empty dataset.
 */
export async function scoreModel(file: ModelFile, artifact: string, ctx: StepContext): Promise<Score> {
  const rows = await readRows(artifact, ctx);
  if (artifact === file.trainedOn.artifact || rowsDigest(rows) === file.trainedOn.digest) {
    throw new StepError(`${artifact} is the data the model was trained on: evaluate it on held-out data`, {
      retryable: false,
      code: 'training_data',
    });
  }
  if (rows.length === 0) throw new StepError(`${artifact} has no rows to evaluate on`, { retryable: false, code: 'too_few_rows' });
  const predictions = load(file).predict(featureMatrix(rows, file.features, artifact));
  if (file.task === 'classification') {
    const classes = file.classes!;
    const index = new Map(classes.map((c, i) => [labelKey(c), i]));
    const actual = labelColumn(rows, file.label, artifact).map((l, i) => {
      const k = index.get(labelKey(l));
      if (k === undefined)
        throw new StepError(
          `${artifact} row ${i + 1}: class ${JSON.stringify(l)} was not in the training data (${classes.map((c) => JSON.stringify(c)).join(', ')})`,
          { retryable: false, code: 'unknown_class' },
        );
      return k;
    });
    const result = classificationMetrics(actual, predictions.values, predictions.probabilities, classes.length);
    return { rows: rows.length, metrics: { ...result.metrics }, confusionMatrix: { labels: classes, matrix: result.confusion } };
  }
  return { rows: rows.length, metrics: { ...regressionMetrics(numericColumn(rows, file.label, artifact), predictions.values) } };
}
