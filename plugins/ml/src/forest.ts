/**
 * Random forests fitted into the model format of mljs `ml-random-forest` and its trees (`ml-cart`),
 * which load and predict with those libraries as before. The libraries' own training tries each
 * candidate threshold of a node by splitting all its rows again: O(n²) per feature and node, over a
 * minute for 8,000 rows. Here each feature is sorted once per tree and a node's candidates are scored
 * in one pass over it, O(n) per feature and node. The same seed draws the same rows and features, and
 * the candidates, the gains and their order are the library's, so the forest is the one the library
 * fits: a near tie between candidates (within rounding of the one-pass sums) is settled by scoring
 * those candidates as the library does.
 */
import { integer, MersenneTwister19937 } from 'random-js';

export type ForestKind = 'classifier' | 'regression';

export interface ForestOptions {
  nEstimators: number;
  maxFeatures: number;
  replacement: boolean;
  useSampleBagging: boolean;
  seed: number;
  treeOptions: Record<string, unknown>;
  /** Regression only: how the trees' values are combined. */
  selectionMethod?: 'mean' | 'median';
}

const TREE_DEFAULTS: Record<ForestKind, Record<string, unknown>> = {
  classifier: { gainFunction: 'gini', splitFunction: 'mean', minNumSamples: 3, maxDepth: Infinity, gainThreshold: 0.01 },
  regression: { gainFunction: 'regression', splitFunction: 'mean', minNumSamples: 3, maxDepth: Infinity },
};

/** Whether `fitForest` fits these options: the gain the library would use for the kind of tree (ml-cart also takes gini for a regression tree). */
export function fitsForest(kind: ForestKind, treeOptions: Record<string, unknown>): boolean {
  const options = { ...TREE_DEFAULTS[kind], ...treeOptions };
  return options.gainFunction === TREE_DEFAULTS[kind].gainFunction && options.splitFunction === 'mean';
}

/** The JSON `RandomForestClassifier` / `RandomForestRegression` `toJSON()` gives after `train(x, y)` with `noOOB`. */
export function fitForest(
  kind: ForestKind,
  options: ForestOptions,
  x: readonly (readonly number[])[],
  y: readonly number[],
): Record<string, unknown> {
  const rows = x.length;
  const columns = x[0].length;
  const maxFeatures = options.maxFeatures || columns;
  let n: number;
  if (maxFeatures > 0 && maxFeatures <= 1) n = Math.floor(columns * maxFeatures);
  else if (Number.isInteger(maxFeatures)) {
    if (maxFeatures > columns) throw new RangeError(`The maxFeatures parameter should be less than ${columns}`);
    n = maxFeatures;
  } else throw new RangeError(`Cannot process the maxFeatures parameter ${maxFeatures}`);

  const treeOptions = { ...TREE_DEFAULTS[kind], ...options.treeOptions, kind };
  const trainer = new TreeTrainer(kind, treeOptions, rows, n);
  const indexes: number[][] = [];
  const estimators: Record<string, unknown>[] = [];
  let seed = options.seed;
  for (let t = 0; t < options.nEstimators; t++) {
    let sample: Int32Array | undefined;
    if (options.useSampleBagging) {
      const engine = MersenneTwister19937.seed(seed);
      const draw = integer(0, rows - 1);
      sample = new Int32Array(rows);
      for (let i = 0; i < rows; i++) sample[i] = draw(engine);
      seed = engine.next();
    }
    const engine = MersenneTwister19937.seed(seed);
    const draw = integer(0, columns - 1);
    let used: number[];
    if (options.replacement) {
      used = Array.from({ length: n }, () => draw(engine));
    } else {
      const set = new Set<number>();
      let index = draw(engine);
      for (let i = 0; i < n; i++) {
        while (set.has(index)) index = draw(engine);
        set.add(index);
      }
      used = [...set];
    }
    seed = engine.next();
    indexes.push(used);
    const root = trainer.fit(x, y, sample, used);
    estimators.push({ options: treeOptions, root, name: kind === 'classifier' ? 'DTClassifier' : 'DTRegression' });
  }
  const baseModel = {
    indexes,
    n,
    replacement: options.replacement,
    maxFeatures,
    nEstimators: options.nEstimators,
    treeOptions: options.treeOptions,
    isClassifier: kind === 'classifier',
    seed: options.seed,
    estimators,
    useSampleBagging: options.useSampleBagging,
  };
  return kind === 'classifier'
    ? { baseModel, name: 'RFClassifier' }
    : { baseModel, selectionMethod: options.selectionMethod, name: 'RFRegression' };
}

type TreeNode = Record<string, unknown>;

interface Split {
  column: number | undefined;
  value: number | undefined;
  gain: number;
}

/** A candidate split: rows of feature `column` below `value` (the first `left` in its order) go left. `score` is higher for better. */
interface Candidate {
  column: number;
  left: number;
  value: number;
  score: number;
}

/**
 * One tree at a time, on buffers kept between trees. A node is a segment [start, end) of `rows` (its
 * rows in the sample's order, as the library keeps them) and of each `order[j]` (the same rows by the
 * value of feature j, ties in the sample's order, as the library's stable sort leaves them).
 */
class TreeTrainer {
  private readonly classifier: boolean;
  private readonly minNumSamples: number;
  private readonly maxDepth: number;
  private readonly gainThreshold: number;
  private readonly columns: Float64Array[];
  private readonly order: Int32Array[];
  private readonly rows: Int32Array;
  private readonly target: Float64Array;
  private readonly toLeft: Uint8Array;
  private readonly scratch: Int32Array;
  private readonly lesser: Float64Array;
  private readonly greater: Float64Array;
  private classes = 0;
  private leftCounts = new Float64Array(0);
  private totalCounts = new Float64Array(0);

  constructor(
    kind: ForestKind,
    private readonly options: Record<string, unknown>,
    size: number,
    features: number,
  ) {
    this.classifier = kind === 'classifier';
    this.minNumSamples = options.minNumSamples as number;
    this.maxDepth = options.maxDepth as number;
    this.gainThreshold = (options.gainThreshold as number | undefined) || 0;
    this.columns = Array.from({ length: features }, () => new Float64Array(size));
    this.order = Array.from({ length: features }, () => new Int32Array(size));
    this.rows = new Int32Array(size);
    this.target = new Float64Array(size);
    this.toLeft = new Uint8Array(size);
    this.scratch = new Int32Array(size);
    this.lesser = new Float64Array(size);
    this.greater = new Float64Array(size);
  }

  fit(x: readonly (readonly number[])[], y: readonly number[], sample: Int32Array | undefined, used: readonly number[]): TreeNode {
    const size = this.rows.length;
    for (let r = 0; r < size; r++) {
      const source = sample ? sample[r] : r;
      this.rows[r] = r;
      this.target[r] = y[source];
      for (let j = 0; j < used.length; j++) this.columns[j][r] = x[source][used[j]];
    }
    if (this.classifier) {
      let max = 0;
      for (let r = 0; r < size; r++) max = Math.max(max, this.target[r]);
      this.classes = max + 1;
      this.leftCounts = new Float64Array(this.classes);
      this.totalCounts = new Float64Array(this.classes);
    }
    for (let j = 0; j < used.length; j++) {
      const column = this.columns[j];
      const sorted = Array.from({ length: size }, (_, r) => r).sort((a, b) => column[a] - column[b] || a - b);
      this.order[j].set(sorted);
    }
    const root = this.node();
    this.grow(root, 0, size, 0, null);
    return root;
  }

  private node(): TreeNode {
    const { kind, gainFunction, splitFunction, minNumSamples, maxDepth } = this.options;
    return { kind, gainFunction, splitFunction, minNumSamples, maxDepth, gainThreshold: this.gainThreshold };
  }

  private grow(node: TreeNode, start: number, end: number, depth: number, parentGain: number | null): void {
    const count = end - start;
    if (count <= this.minNumSamples) {
      node.distribution = this.prediction(start, end);
      return;
    }
    const split = this.bestSplit(start, end);
    node.splitValue = split.value;
    node.splitColumn = split.column;
    node.gain = split.gain;
    node.numberSamples = split.column === undefined ? undefined : count;
    let left = 0;
    if (split.column !== undefined) {
      const column = this.columns[split.column];
      for (let i = start; i < end; i++) {
        const r = this.rows[i];
        this.toLeft[r] = column[r] < split.value! ? 1 : 0;
        left += this.toLeft[r];
      }
    }
    if (depth < this.maxDepth && split.gain > this.gainThreshold && split.gain !== parentGain && left > 0 && left < count) {
      node.left = this.node();
      node.right = this.node();
      this.partition(this.rows, start, end);
      for (const order of this.order) this.partition(order, start, end);
      this.grow(node.left as TreeNode, start, start + left, depth + 1, split.gain);
      this.grow(node.right as TreeNode, start + left, end, depth + 1, split.gain);
    } else {
      node.distribution = this.prediction(start, end);
    }
  }

  /** Stable: the rows marked `toLeft` first, each side in the order it had. */
  private partition(list: Int32Array, start: number, end: number): void {
    let write = start;
    let spilled = 0;
    for (let i = start; i < end; i++) {
      const r = list[i];
      if (this.toLeft[r]) list[write++] = r;
      else this.scratch[spilled++] = r;
    }
    list.set(this.scratch.subarray(0, spilled), write);
  }

  /** ml-cart's leaf: the share of each class (summed as it sums them) as a row vector, or the mean value. */
  private prediction(start: number, end: number): number[][] | number {
    const count = end - start;
    if (this.classifier) {
      let max = 0;
      for (let i = start; i < end; i++) max = Math.max(max, this.target[this.rows[i]]);
      const shares = new Array<number>(max + 1).fill(0);
      for (let i = start; i < end; i++) shares[this.target[this.rows[i]]] += 1 / count;
      return [shares];
    }
    let sum = 0;
    for (let i = start; i < end; i++) sum += this.target[this.rows[i]];
    return sum / count;
  }

  private bestSplit(start: number, end: number): Split {
    const count = end - start;
    const target = this.target;
    const classifier = this.classifier;
    // One-pass scores: Gini gain from class counts, or the sum of squared errors from the sums of the
    // values less the node's mean (centred, so the subtraction loses little).
    let nodeMean = 0;
    let nodeImpurity = 0;
    let nodeSquares = 0;
    if (classifier) {
      this.totalCounts.fill(0);
      for (let i = start; i < end; i++) this.totalCounts[target[this.rows[i]]] += 1;
      nodeImpurity = gini(this.totalCounts, count);
    } else {
      for (let i = start; i < end; i++) nodeMean += target[this.rows[i]];
      nodeMean /= count;
      for (let i = start; i < end; i++) nodeSquares += (target[this.rows[i]] - nodeMean) ** 2;
    }
    // The one-pass scores are within rounding (far less than this) of the library's: the candidates
    // this close to the best, in the library's order, are scored again as it scores them.
    const tolerance = 1e-9 * (classifier ? 1 : nodeSquares);
    const sign = classifier ? 1 : -1;
    let best = -Infinity;
    let near: Candidate[] = [];
    for (let j = 0; j < this.columns.length; j++) {
      const column = this.columns[j];
      const order = this.order[j];
      let below = start;
      let sum = 0;
      let squares = 0;
      if (classifier) this.leftCounts.fill(0);
      for (let i = start + 1; i < end; i++) {
        const a = order[i - 1];
        const b = order[i];
        if (target[a] === target[b]) continue;
        const value = (column[a] + column[b]) / 2;
        while (below < end && column[order[below]] < value) {
          const v = target[order[below]];
          if (classifier) this.leftCounts[v] += 1;
          else {
            sum += v - nodeMean;
            squares += (v - nodeMean) ** 2;
          }
          below++;
        }
        const left = below - start;
        const right = count - left;
        let score: number;
        if (classifier) {
          let rightImpurity = 0;
          if (right > 0) {
            let s = 0;
            for (let c = 0; c < this.classes; c++) s += ((this.totalCounts[c] - this.leftCounts[c]) / right) ** 2;
            rightImpurity = 1 - s;
          }
          const leftImpurity = left > 0 ? gini(this.leftCounts, left) : 0;
          score = nodeImpurity - (rightImpurity * right + leftImpurity * left) / count;
        } else {
          const error = (left > 0 ? squares - (sum * sum) / left : 0) + (right > 0 ? nodeSquares - squares - (sum * sum) / right : 0);
          score = -error;
        }
        if (score < best - tolerance) continue;
        if (score > best) {
          best = score;
          near = near.filter((candidate) => candidate.score >= best - tolerance);
        }
        const last = near.at(-1);
        // The same rows on each side score the same: the first such candidate is the library's.
        if (last?.column === j && last.left === left) continue;
        near.push({ column: j, left, value, score });
      }
    }
    let chosen: Split = { column: undefined, value: undefined, gain: -sign * Infinity };
    for (const { column, value } of near) {
      const gain = this.libraryGain(start, end, column, value);
      if (sign * gain > sign * chosen.gain) chosen = { column, value, gain };
    }
    return chosen;
  }

  /** ml-cart's score of a split, computed as it computes it (its rounding decides its ties). */
  private libraryGain(start: number, end: number, j: number, value: number): number {
    const column = this.columns[j];
    const count = end - start;
    let lesserCount = 0;
    let greaterCount = 0;
    for (let i = start; i < end; i++) {
      const r = this.rows[i];
      if (column[r] < value) this.lesser[lesserCount++] = this.target[r];
      else this.greater[greaterCount++] = this.target[r];
    }
    if (this.classifier) {
      const impurity = (values: Float64Array, length: number) => {
        if (length === 0) return 0;
        const counts = new Float64Array(this.classes);
        for (let i = 0; i < length; i++) counts[values[i]] += 1;
        return libraryGini(counts, length);
      };
      this.totalCounts.fill(0);
      for (let i = start; i < end; i++) this.totalCounts[this.target[this.rows[i]]] += 1;
      let splits = 0;
      splits += (impurity(this.greater, greaterCount) * greaterCount) / count;
      splits += (impurity(this.lesser, lesserCount) * lesserCount) / count;
      return libraryGini(this.totalCounts, count) - splits;
    }
    let error = 0;
    error += squaredError(this.greater, greaterCount);
    error += squaredError(this.lesser, lesserCount);
    return error;
  }
}

function gini(counts: Float64Array, total: number): number {
  let s = 0;
  for (let c = 0; c < counts.length; c++) s += (counts[c] / total) ** 2;
  return 1 - s;
}

/** ml-cart's Gini impurity: each class's share is 1/length added once per row of the class. */
function libraryGini(counts: Float64Array, length: number): number {
  if (length === 0) return 0;
  let s = 0;
  for (let c = 0; c < counts.length; c++) {
    let share = 0;
    for (let k = 0; k < counts[c]; k++) share += 1 / length;
    s += share * share;
  }
  return 1 - s;
}

/** ml-cart's squared error: about the mean (the sum in order over the length). */
function squaredError(values: Float64Array, length: number): number {
  if (length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < length; i++) sum += values[i];
  const mean = sum / length;
  let error = 0;
  for (let i = 0; i < length; i++) error += (values[i] - mean) * (values[i] - mean);
  return error;
}
