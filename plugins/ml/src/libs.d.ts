// ml-logistic-regression ships no types: the part of its API the ml plugin uses.
declare module 'ml-logistic-regression' {
  import type { Matrix } from 'ml-matrix';

  interface TwoClassLogisticRegression {
    /** For the one-vs-rest classifier of class i: the probability that a row is NOT of class i. */
    testScores(features: Matrix): number[];
  }

  export default class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    numberClasses: number;
    classifiers: TwoClassLogisticRegression[];
    train(features: Matrix, classes: Matrix): void;
    predict(features: Matrix): number[];
    toJSON(): Record<string, unknown>;
    static load(model: Record<string, unknown>): LogisticRegression;
  }
}
