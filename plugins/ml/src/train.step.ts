import { z } from 'zod';
import { datasetInputSchema, defineStep, StepError } from '../../sdk/src/index.js';
import { ALGORITHMS, fit, parseParams, TASK, type ModelFile } from './model.js';
import { distinctLabels, featureMatrix, labelColumn, labelKey, numericColumn, readRows, rowsDigest } from './table.js';

export const artifactRefSchema = z.object({ artifact: z.string(), bytes: z.number(), sha256: z.string(), contentType: z.string() });

export const trainStep = defineStep({
  id: 'train',
  title: 'Train a model',
  description:
    'Fits `algorithm` (logistic_regression, random_forest_classifier, random_forest_regressor, linear_regression; mljs libraries) on the `features` columns ' +
    "(numbers) of a dataset to predict `label`, with hyper-parameters from `params`. Saves the fitted model as a JSON artifact (the library's own model, " +
    "the features, the label classes, the algorithm and parameters, and the training data's digest) and outputs its reference.",
  input: z.strictObject({
    dataset: datasetInputSchema,
    algorithm: z.enum(ALGORITHMS),
    features: z
      .array(z.string().min(1))
      .min(1)
      .max(1000)
      .refine((names) => new Set(names).size === names.length, 'features must not repeat a column'),
    label: z.string().min(1),
    params: z.record(z.string(), z.json()).default({}),
  }),
  output: z.strictObject({
    model: artifactRefSchema,
    algorithm: z.enum(ALGORITHMS),
    task: z.enum(['classification', 'regression']),
    params: z.record(z.string(), z.unknown()),
    features: z.array(z.string()),
    label: z.string(),
    classes: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
    trainingRows: z.number().int(),
  }),
  async run({ dataset, algorithm, features, label, params: given }, ctx) {
    if (features.includes(label))
      throw new StepError(`the label \`${label}\` cannot also be a feature`, { retryable: false, code: 'invalid_input' });
    const params = parseParams(algorithm, given);
    const rows = await readRows(dataset.artifact, ctx);
    if (rows.length < 2)
      throw new StepError(`${dataset.artifact} has ${rows.length} row(s): too few to train on`, { retryable: false, code: 'too_few_rows' });
    const x = featureMatrix(rows, features, dataset.artifact);
    const task = TASK[algorithm];
    let classes: ModelFile['classes'];
    let y: number[];
    if (task === 'classification') {
      const labels = labelColumn(rows, label, dataset.artifact);
      classes = distinctLabels(labels);
      if (classes.length < 2)
        throw new StepError(`${dataset.artifact} has one class of \`${label}\`: a classifier needs two or more`, {
          retryable: false,
          code: 'too_few_classes',
        });
      const index = new Map(classes.map((c, i) => [labelKey(c), i]));
      y = labels.map((l) => index.get(labelKey(l))!);
    } else {
      y = numericColumn(rows, label, dataset.artifact);
    }
    const started = Date.now();
    const model = fit(algorithm, params, x, y);
    const file: ModelFile = {
      kind: 'baton.ml/model',
      version: 1,
      algorithm,
      task,
      features,
      label,
      ...(classes && { classes }),
      params,
      trainingRows: rows.length,
      trainedOn: { artifact: dataset.artifact, digest: rowsDigest(rows) },
      model: model.toJSON(),
    };
    const ref = await ctx.artifacts.put(ctx.artifacts.ownKey('model.json'), JSON.stringify(file), { contentType: 'application/json' });
    ctx.lineage.output(ref);
    ctx.metric('ml_training_rows', rows.length);
    ctx.log('trained', { algorithm, rows: rows.length, ms: Date.now() - started });
    return { model: ref, algorithm, task, params, features, label, ...(classes && { classes }), trainingRows: rows.length };
  },
});
