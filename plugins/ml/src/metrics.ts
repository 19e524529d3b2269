import { ConfusionMatrix } from 'ml-confusion-matrix';

export interface ClassificationMetrics {
  accuracy: number;
  /** Macro averages over the classes; a class never predicted counts 0 precision (as scikit-learn's zero_division=0). */
  precision: number;
  recall: number;
  f1: number;
  /** One-vs-rest macro ROC AUC from the class probabilities, over the classes both present and absent in the data; null when none is. */
  rocAuc: number | null;
}

/** Metrics of predicted class indices against actual ones, with classes 0..classCount-1. */
export function classificationMetrics(
  actual: number[],
  predicted: number[],
  probabilities: number[][] | undefined,
  classCount: number,
): { metrics: ClassificationMetrics; confusion: number[][] } {
  const labels = Array.from({ length: classCount }, (_, i) => i);
  const cm = ConfusionMatrix.fromLabels(actual, predicted, { labels });
  const orZero = (value: number) => (Number.isFinite(value) ? value : 0);
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const aucs = probabilities
    ? labels
        .map((k) =>
          rocAuc(
            probabilities.map((p) => p[k]),
            actual.map((a) => a === k),
          ),
        )
        .filter((auc): auc is number => auc !== null)
    : [];
  return {
    metrics: {
      accuracy: cm.getAccuracy(),
      precision: mean(labels.map((k) => orZero(cm.getPositivePredictiveValue(k)))),
      recall: mean(labels.map((k) => orZero(cm.getTruePositiveRate(k)))),
      f1: mean(labels.map((k) => orZero(cm.getF1Score(k)))),
      rocAuc: aucs.length ? mean(aucs) : null,
    },
    confusion: cm.getMatrix(),
  };
}

/**
 * Area under the ROC curve of scores for a yes/no truth: the probability that a random positive
 * scores above a random negative, ties counting half (the Mann–Whitney U statistic over n+·n-).
 * Null when there are no positives or no negatives.
 */
export function rocAuc(scores: number[], positive: boolean[]): number | null {
  const order = scores.map((score, i) => ({ score, positive: positive[i] })).sort((a, b) => a.score - b.score);
  let rankSum = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && order[j].score === order[i].score) j++;
    const averageRank = (i + 1 + j) / 2; // ranks i+1..j share their mean
    for (let k = i; k < j; k++) if (order[k].positive) rankSum += averageRank;
    i = j;
  }
  const positives = positive.filter(Boolean).length;
  const negatives = positive.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface RegressionMetrics {
  rmse: number;
  mae: number;
  r2: number;
}

export function regressionMetrics(actual: number[], predicted: number[]): RegressionMetrics {
  const n = actual.length;
  const mean = actual.reduce((sum, v) => sum + v, 0) / n;
  let squared = 0;
  let absolute = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const error = actual[i] - predicted[i];
    squared += error * error;
    absolute += Math.abs(error);
    total += (actual[i] - mean) ** 2;
  }
  return { rmse: Math.sqrt(squared / n), mae: absolute / n, r2: total === 0 ? 0 : 1 - squared / total };
}
