import { z } from 'zod';
import { datasetInputSchema, defineStep, StepError } from '../../sdk/src/index.js';
import { classificationMetrics, regressionMetrics } from './metrics.js';
import { load } from './model.js';
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
    const rows = await readRows(dataset.artifact, ctx);
    if (dataset.artifact === file.trainedOn.artifact || rowsDigest(rows) === file.trainedOn.digest) {
      throw new StepError(`${dataset.artifact} is the data the model was trained on: evaluate it on held-out data`, { retryable: false, code: 'training_data' });
    }
    if (rows.length === 0) throw new StepError(`${dataset.artifact} has no rows to evaluate on`, { retryable: false, code: 'too_few_rows' });
    const predictions = load(file).predict(featureMatrix(rows, file.features, dataset.artifact));
    let metrics: Record<string, number | null>;
    let confusionMatrix;
    if (file.task === 'classification') {
      const classes = file.classes!;
      const index = new Map(classes.map((c, i) => [labelKey(c), i]));
      const actual = labelColumn(rows, file.label, dataset.artifact).map((l, i) => {
        const k = index.get(labelKey(l));
        if (k === undefined) throw new StepError(`${dataset.artifact} row ${i + 1}: class ${JSON.stringify(l)} was not in the training data (${classes.map((c) => JSON.stringify(c)).join(', ')})`, { retryable: false, code: 'unknown_class' });
        return k;
      });
      const result = classificationMetrics(actual, predictions.values, predictions.probabilities, classes.length);
      metrics = { ...result.metrics };
      confusionMatrix = { labels: classes, matrix: result.confusion };
    } else {
      metrics = { ...regressionMetrics(numericColumn(rows, file.label, dataset.artifact), predictions.values) };
    }
    for (const [name, value] of Object.entries(metrics)) if (value !== null) ctx.metric(`ml_${name}`, value, { algorithm: file.algorithm });
    ctx.log('evaluated', { rows: rows.length, ...metrics });
    return { task: file.task, algorithm: file.algorithm, rows: rows.length, metrics, ...(confusionMatrix && { confusionMatrix }) };
  },
});
