import LogisticRegression from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import { RandomForestClassifier, RandomForestRegression } from 'ml-random-forest';
import MultivariateLinearRegression from 'ml-regression-multivariate-linear';
import { z } from 'zod';
import { StepError } from '../../sdk/src/index.js';
import { fitForest, fitsForest, type ForestOptions } from './forest.js';
import type { Label } from './table.js';

export const ALGORITHMS = ['logistic_regression', 'random_forest_classifier', 'random_forest_regressor', 'linear_regression'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
export type Task = 'classification' | 'regression';

export const TASK: Record<Algorithm, Task> = {
  logistic_regression: 'classification',
  random_forest_classifier: 'classification',
  random_forest_regressor: 'regression',
  linear_regression: 'regression',
};

const treeOptions = z
  .strictObject({
    maxDepth: z.number().int().min(1).max(1000).optional(),
    minNumSamples: z.number().int().min(1).optional(),
    gainFunction: z.enum(['gini']).optional(),
  })
  .default({});
const forest = {
  nEstimators: z.number().int().min(1).max(1000).default(50),
  /** A share of the features (0, 1] or a count of them, per tree. */
  maxFeatures: z.number().positive().default(1),
  replacement: z.boolean().default(true),
  useSampleBagging: z.boolean().default(true),
  seed: z
    .number()
    .int()
    .min(-(2 ** 31))
    .max(2 ** 31 - 1)
    .default(42),
  treeOptions,
};

/** The hyper-parameters of each algorithm (`with.params`), with the library's defaults written out so a model records them all. */
export const PARAMS = {
  logistic_regression: z.strictObject({
    numSteps: z.number().int().min(1).max(1_000_000).default(50_000),
    learningRate: z.number().positive().default(5e-4),
  }),
  random_forest_classifier: z.strictObject(forest),
  random_forest_regressor: z.strictObject({ ...forest, selectionMethod: z.enum(['mean', 'median']).default('mean') }),
  linear_regression: z.strictObject({ intercept: z.boolean().default(true) }),
} satisfies Record<Algorithm, z.ZodType>;

export function parseParams(algorithm: Algorithm, params: unknown): Record<string, unknown> {
  const parsed = PARAMS[algorithm].safeParse(params);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `params${issue.path.map((p) => `.${String(p)}`).join('')}: ${issue.message}`);
    throw new StepError(`Invalid hyper-parameters for ${algorithm}: ${problems.join('; ')}`, { retryable: false, code: 'invalid_params' });
  }
  return parsed.data;
}

/** A fitted model as the artifact keeps it: the library's own JSON and what is needed to use it. */
export const modelFileSchema = z.object({
  kind: z.literal('baton.ml/model'),
  version: z.literal(1),
  algorithm: z.enum(ALGORITHMS),
  task: z.enum(['classification', 'regression']),
  features: z.array(z.string()).min(1),
  label: z.string(),
  /** Classifiers: the labels in the order of the library's class indices. */
  classes: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
  params: z.record(z.string(), z.unknown()),
  trainingRows: z.number().int(),
  trainedOn: z.object({ artifact: z.string(), digest: z.string() }),
  model: z.record(z.string(), z.unknown()),
});
export type ModelFile = z.infer<typeof modelFileSchema>;

/** What a model says about rows: a class index (classifiers) or a value, and class probabilities where the algorithm gives them. */
export interface Predictions {
  values: number[];
  /** Per row, the probability of each class index. */
  probabilities?: number[][];
}

export interface FittedModel {
  toJSON(): Record<string, unknown>;
  predict(x: number[][]): Predictions;
}

/** Fits `algorithm` on feature rows and targets: class indices 0..k-1 for classifiers, values for regressors. */
export function fit(algorithm: Algorithm, params: Record<string, unknown>, x: number[][], y: number[]): FittedModel {
  switch (algorithm) {
    case 'logistic_regression': {
      const model = new LogisticRegression(params);
      model.train(new Matrix(x), Matrix.columnVector(y));
      return logistic(model);
    }
    case 'random_forest_classifier': {
      // A loop, not Math.max(...y): spreading more than ~120,000 arguments overflows the call stack.
      const classes = 1 + y.reduce((max, v) => Math.max(max, v), -Infinity);
      if (fitsForest('classifier', params.treeOptions as Record<string, unknown>)) {
        const json = fitForest('classifier', params as unknown as ForestOptions, x, y);
        return fittedForest(json, () => forestClassifier(RandomForestClassifier.load(json as never), classes));
      }
      const model = new RandomForestClassifier({ ...params, noOOB: true });
      model.train(x, y);
      return forestClassifier(model, classes);
    }
    case 'random_forest_regressor': {
      if (fitsForest('regression', params.treeOptions as Record<string, unknown>)) {
        const json = fitForest('regression', params as unknown as ForestOptions, x, y);
        return fittedForest(json, () => regressor(RandomForestRegression.load(json as never)));
      }
      const model = new RandomForestRegression({ ...params, noOOB: true });
      model.train(x, y);
      return regressor(model);
    }
    case 'linear_regression': {
      const model = new MultivariateLinearRegression(
        x,
        y.map((v) => [v]),
        { intercept: params.intercept as boolean, statistics: false },
      );
      return {
        toJSON: () => model.toJSON() as unknown as Record<string, unknown>,
        predict: (rows) => ({ values: model.predict(rows).map(([v]) => v) }),
      };
    }
  }
}

/** The model saved by `fit`, back from its JSON. */
export function load(file: ModelFile): FittedModel {
  try {
    switch (file.algorithm) {
      case 'logistic_regression':
        return logistic(LogisticRegression.load(file.model));
      case 'random_forest_classifier':
        return forestClassifier(RandomForestClassifier.load(file.model as never), file.classes?.length ?? 0);
      case 'random_forest_regressor':
        return regressor(RandomForestRegression.load(file.model as never));
      case 'linear_regression': {
        const model = MultivariateLinearRegression.load(file.model as never);
        return { toJSON: () => file.model, predict: (rows) => ({ values: model.predict(rows).map(([v]) => v) }) };
      }
    }
  } catch (error) {
    throw new StepError(`The model does not load: ${(error as Error).message}`, { retryable: false, code: 'invalid_model' });
  }
}

/**
 * One-vs-rest logistic regression: the library's classifier i is trained with class i as 0 and the
 * rest as 1, so 1 - its score is the probability of class i; the class is the most probable one
 * (as the library's own `predict`). The probabilities are normalised to sum to 1.
 */
function logistic(model: LogisticRegression): FittedModel {
  return {
    toJSON: () => model.toJSON(),
    predict(rows) {
      const x = new Matrix(rows);
      const perClass = model.classifiers.map((classifier) => classifier.testScores(x).map((notClass) => 1 - notClass));
      const probabilities = rows.map((_, r) => normalise(perClass.map((scores) => scores[r])));
      return { values: probabilities.map(argmax), probabilities };
    },
  };
}

/**
 * A forest's class probabilities: the share of its trees voting for each class; the class is the
 * library's `selection` of the votes (its majority vote), which is all its own `predict` does with
 * the same votes. Taking both from one pass runs the trees once instead of twice.
 */
function forestClassifier(model: RandomForestClassifier, classes: number): FittedModel {
  return {
    toJSON: () => model.toJSON() as unknown as Record<string, unknown>,
    predict(rows) {
      const votes = model.predictionValues(rows);
      const values: number[] = [];
      const probabilities: number[][] = [];
      for (let r = 0; r < votes.rows; r++) {
        const treeVotes = votes.getRow(r);
        values.push(model.selection(treeVotes));
        const counts = new Array<number>(classes).fill(0);
        for (const vote of treeVotes) counts[vote] += 1;
        probabilities.push(counts.map((count) => count / treeVotes.length));
      }
      return { values, probabilities };
    },
  };
}

/** A forest fitted by `fitForest`: its JSON as the library would save it, loaded into the library only to predict. */
function fittedForest(json: Record<string, unknown>, loaded: () => FittedModel): FittedModel {
  let model: FittedModel | undefined;
  return { toJSON: () => json, predict: (rows) => (model ??= loaded()).predict(rows) };
}

function regressor(model: RandomForestRegression): FittedModel {
  return { toJSON: () => model.toJSON() as unknown as Record<string, unknown>, predict: (rows) => ({ values: model.predict(rows) }) };
}

function normalise(values: number[]): number[] {
  const total = values.reduce((sum, v) => sum + v, 0);
  return total > 0 ? values.map((v) => v / total) : values.map(() => 1 / values.length);
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** A prediction as the dataset writes it: the class label for classifiers, the value for regressors. */
export function predictedLabel(file: ModelFile, value: number): Label {
  return file.task === 'classification' ? file.classes![value] : value;
}
