/**
 * `npm run bench:ml`: which dataset sizes the first-party ml plugin's steps handle. Synthetic,
 * seeded classification data (ml-data.ts) at BENCH_ML_ROWS rows (default 1000,10000,100000) of
 * BENCH_ML_FEATURES numeric features (default 10) and 3 classes. For each size, each step runs
 *   1. once in a real step sandbox (StepSandbox on the packed ml bundle, a fresh process per step)
 *      with production's limits: V8 heap cap STEP_MEMORY_MB (default 512), under OS isolation also
 *      RLIMIT_DATA of that + 1 GiB, datasets over IPC with the 32 MiB read cap; killed after
 *      BENCH_ML_CAP_S (60 s). Whether it fits, and the process's peak RSS (VmHWM);
 *   2. in this process (runStepForTest), once under V8's GC profiler for the peak heap used, then
 *      BENCH_ITERATIONS times (default 5; 3 when a run takes over 10 s) alternating with the I/O
 *      baseline: a step that only reads the same dataset(s) through the same artifact path (ml's
 *      readRows) and writes them back (writeDataset). The ratio is the step's median over the baseline's.
 * Each ml/train row also shows the model's quality: ml/evaluate's accuracy (classifiers) or R² (regressors)
 * on the split's held-out rows. BENCH_ML_LIBRARY=1 adds, for each random forest, a row for the same forest
 * fitted by ml-random-forest's own training (in this process, once: minutes at 8,000 rows), with whether
 * its model is the one ml/train saved, byte for byte (then its quality is the same).
 * BENCH_ML_ONLY (e.g. `split,predict`) measures only the steps whose label contains one of its parts.
 * A step that times out at one size is not tried at larger ones. ml/register is not measured: it
 * reads the model artifact only, whatever the dataset's size.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { RandomForestClassifier, RandomForestRegression } from 'ml-random-forest';
import { z } from 'zod';
import { compareStep } from '../../plugins/ml/src/compare.step.js';
import { driftStep } from '../../plugins/ml/src/drift.step.js';
import { evaluateStep } from '../../plugins/ml/src/evaluate.step.js';
import { parseParams, TASK, type Algorithm } from '../../plugins/ml/src/model.js';
import { predictStep } from '../../plugins/ml/src/predict.step.js';
import { splitStep } from '../../plugins/ml/src/split.step.js';
import { distinctLabels, featureMatrix, labelColumn, labelKey, numericColumn, readRows } from '../../plugins/ml/src/table.js';
import { trainStep } from '../../plugins/ml/src/train.step.js';
import {
  datasetInputSchema,
  defineStep,
  runStepForTest,
  type ModelVersionInfo,
  type StepDefinition,
  type StepTestResult,
} from '../../plugins/sdk/src/index.js';
import { loadEnv } from '../../src/runtime/config/config.js';
import { ARTIFACT_MAX_BYTES } from '../../plugins/sdk/src/step-artifacts.js';
import { Readable } from 'node:stream';
import { artifactRef, type ArtifactStore } from '../../src/runtime/artifacts/artifact-store.js';
import { StepSandbox, type SandboxOutcome } from '../../workers/sandbox/step-sandbox.js';
import { featureNames, ndjson, syntheticRows } from './ml-data.js';
import { median, reportResult, time } from './stats.js';

const SIZES = (process.env.BENCH_ML_ROWS ?? '1000,10000,100000').split(',').map(Number);
const FEATURES = Number(process.env.BENCH_ML_FEATURES ?? 10);
const CLASSES = 3;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 5);
const CAP_MS = Number(process.env.BENCH_ML_CAP_S ?? 60) * 1000;
const SLOW_MS = 10_000;
/** Comma-separated parts of step labels to measure only those, e.g. `split,predict`. */
const ONLY = process.env.BENCH_ML_ONLY?.split(',').filter(Boolean);
const LIBRARY = process.env.BENCH_ML_LIBRARY === '1';
const env = loadEnv();
const MB = 1024 * 1024;
const features = featureNames(FEATURES);

/** The bench's artifact store, shared by the in-process runs and the sandbox (tenants are ignored). */
const store = new Map<string, Buffer>();
class BenchArtifactStore implements ArtifactStore {
  async put(_tenant: string, key: string, content: Buffer, contentType: string) {
    store.set(key, content);
    return artifactRef(key, content, contentType);
  }
  async get(_tenant: string, key: string) {
    return store.get(key);
  }
  async open(_tenant: string, key: string) {
    const content = store.get(key);
    return content && { body: Readable.from([content]), size: content.length };
  }
  async delete(_tenant: string, key: string) {
    store.delete(key);
  }
}

/** The baseline: the same reads and writes of the same datasets as a step, and nothing else. */
const ioStep = defineStep({
  id: 'io',
  title: 'Read and write datasets',
  description: 'The bench baseline: reads each dataset as the ml steps do and writes it back.',
  input: z.strictObject({ datasets: z.array(datasetInputSchema) }),
  output: z.strictObject({ rows: z.number().int() }),
  async run({ datasets }, ctx) {
    let rows = 0;
    for (const [i, { artifact }] of datasets.entries()) {
      const read = await readRows(artifact, ctx);
      await ctx.artifacts.writeDataset(ctx.artifacts.ownKey(`copy-${i}.ndjson`), read);
      rows += read.length;
    }
    return { rows };
  },
});

const MODEL = 'bench/model.json';
const champion: ModelVersionInfo = {
  name: 'bench',
  version: 1,
  stage: 'production',
  metrics: {},
  params: {},
  dataset: null,
  artifact: MODEL,
  algorithm: 'random_forest_classifier',
  task: 'classification',
  runId: null,
  stepId: null,
  createdAt: new Date(0).toISOString(),
};

interface Case {
  label: string;
  step: StepDefinition;
  input: Record<string, unknown>;
  /** The datasets it reads: what the baseline reads and writes. */
  reads: string[];
  /** ml/train: the held-out dataset its model is scored on. */
  heldOut?: string;
}

function cases(keys: { data: string; drifted: string; train: string; test: string }): Case[] {
  const dataset = (artifact: string) => ({ artifact });
  const train = (algorithm: string, label: string, params: Record<string, unknown>, note: string): Case => ({
    label: `ml/train ${algorithm} ${note}`,
    step: trainStep,
    reads: [keys.train],
    heldOut: keys.test,
    input: { dataset: dataset(keys.train), algorithm, features, label, params },
  });
  const forest = { nEstimators: 25, maxFeatures: 0.5, seed: 42 };
  const all: Case[] = [
    {
      label: 'ml/split stratify, testSize 0.2',
      step: splitStep,
      reads: [keys.data],
      input: { dataset: dataset(keys.data), testSize: 0.2, stratify: 'class', seed: 42 },
    },
    train('linear_regression', 'target', {}, '(defaults)'),
    train('logistic_regression', 'class', { numSteps: 1000 }, '(numSteps 1000)'),
    train('logistic_regression', 'class', {}, '(defaults: numSteps 50000)'),
    train('random_forest_classifier', 'class', forest, '(25 trees, maxFeatures 0.5)'),
    train('random_forest_regressor', 'target', forest, '(25 trees, maxFeatures 0.5)'),
    {
      label: 'ml/evaluate forest model',
      step: evaluateStep,
      reads: [keys.test],
      input: { model: dataset(MODEL), dataset: dataset(keys.test) },
    },
    {
      label: 'ml/compare forest vs itself',
      step: compareStep,
      reads: [keys.test],
      input: { name: 'bench', challenger: { artifact: MODEL }, dataset: dataset(keys.test) },
    },
    {
      label: 'ml/predict forest model, all rows',
      step: predictStep,
      reads: [keys.data],
      input: { model: dataset(MODEL), dataset: dataset(keys.data) },
    },
    {
      label: 'ml/drift data vs shifted copy',
      step: driftStep,
      reads: [keys.data, keys.drifted],
      input: { reference: dataset(keys.data), current: dataset(keys.drifted) },
    },
  ];
  return ONLY ? all.filter((c) => ONLY.some((part) => c.label.includes(part))) : all;
}

/** Runs a step in this process on the store's artifacts it needs; its outputs and new artifacts go back into the store. */
async function inProcess(step: StepDefinition, input: Record<string, unknown>, reads: string[]): Promise<StepTestResult & { ok: true }> {
  const artifacts = Object.fromEntries([...reads, MODEL].filter((key) => store.has(key)).map((key) => [key, store.get(key)!]));
  const result = await runStepForTest(step, input, { artifacts, models: [champion], runId: 'bench' });
  if (!result.ok) throw new Error(`${step.id} failed in process: ${JSON.stringify(result.error)}`);
  for (const [key, content] of Object.entries(result.artifacts)) if (!(key in artifacts)) store.set(key, content);
  return result;
}

/** Peak V8 heap used while `fn` runs, above the heap used before it: the largest heap seen before any GC, or at the end. */
async function heapPeak<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; peakMb: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = getHeapStatistics().used_heap_size;
  const profiler = new GCProfiler();
  profiler.start();
  const started = performance.now();
  const value = await fn();
  const ms = performance.now() - started;
  let peak = getHeapStatistics().used_heap_size;
  for (const gc of profiler.stop().statistics) peak = Math.max(peak, gc.beforeGC.heapStatistics.usedHeapSize);
  return { value, ms, peakMb: (peak - before) / MB };
}

const sandbox = new StepSandbox({
  memoryMb: env.STEP_MEMORY_MB,
  maxIdlePerKey: 0,
  maxIdleTotal: 0,
  artifacts: new BenchArtifactStore(),
  isolation: { mode: env.SANDBOX_ISOLATION, uids: env.SANDBOX_UID_RANGE },
  bundleDirs: [fileURLToPath(new URL('../../plugin-packages', import.meta.url))],
});
const ML_BUNDLE = fileURLToPath(new URL('../../plugin-packages/ml/bundle.mjs', import.meta.url));

/** Under OS isolation the sandbox's pid is unshare's, which forks node into the new namespace: node is its child. */
function withDescendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    // Gone already.
  }
  return [pid, ...children.flatMap(withDescendants)];
}

/** One run in a fresh sandboxed step process, with its peak RSS (the kernel's high-water mark, sampled every 20 ms). */
async function inSandbox(c: Case): Promise<{ outcome: SandboxOutcome; ms: number; peakRssMb: number }> {
  let peakKb = 0;
  const sample = () => {
    for (const pid of sandbox.stats().alivePids.flatMap(withDescendants)) {
      try {
        peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0));
      } catch {
        // The process ended between listing and reading.
      }
    }
  };
  const sampler = setInterval(sample, 20);
  const started = performance.now();
  const outcome = await sandbox.run(
    {
      tenantId: 'bench',
      pluginKey: 'ml@bench',
      entry: ML_BUNDLE,
      stepId: c.step.id,
      input: c.input,
      timeoutMs: CAP_MS,
      ctx: { runId: 'bench-sandbox', stepId: c.step.id, attempt: 1, idempotencyKey: `bench-sandbox:${c.step.id}`, secrets: {} },
    },
    {
      // The champion is the registry's one model; ml/compare's comparison is acknowledged and dropped.
      models: async (call) =>
        call.op === 'get'
          ? { ok: true, found: call.name === champion.name && call.stage === champion.stage ? champion : null }
          : call.op === 'compare'
            ? { ok: true, recorded: call.comparison.name === champion.name }
            : { ok: false, message: 'the bench registry takes no new models' },
    },
  );
  const ms = performance.now() - started;
  sample();
  clearInterval(sampler);
  return { outcome, ms, peakRssMb: peakKb / 1024 };
}

/** ml/evaluate's headline metric of the model an ml/train run saved, on the held-out rows. */
async function quality(trained: StepTestResult & { ok: true }, heldOut: string): Promise<string> {
  const model = (trained.outputs as { model: { artifact: string } }).model.artifact;
  const { outputs } = await inProcess(evaluateStep, { model: { artifact: model }, dataset: { artifact: heldOut } }, [model, heldOut]);
  const { task, metrics } = outputs as { task: string; metrics: Record<string, number | null> };
  return task === 'classification' ? `accuracy ${metrics.accuracy?.toFixed(4)}` : `R² ${metrics.r2?.toFixed(4)}`;
}

/** The same forest fitted by ml-random-forest's own training, timed once; whether its model is the one ml/train saved. */
function libraryFit(c: Case, trained: StepTestResult & { ok: true }): { ms: number; same: boolean } {
  const {
    dataset,
    algorithm,
    features: columns,
    label,
    params,
  } = c.input as {
    dataset: { artifact: string };
    algorithm: Algorithm;
    features: string[];
    label: string;
    params: Record<string, unknown>;
  };
  const rows = store
    .get(dataset.artifact)!
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const x = featureMatrix(rows, columns, dataset.artifact);
  let y: number[];
  if (TASK[algorithm] === 'classification') {
    const labels = labelColumn(rows, label, dataset.artifact);
    const index = new Map(distinctLabels(labels).map((l, i) => [labelKey(l), i]));
    y = labels.map((l) => index.get(labelKey(l))!);
  } else {
    y = numericColumn(rows, label, dataset.artifact);
  }
  const options = { ...parseParams(algorithm, params), noOOB: true };
  const started = performance.now();
  const model = algorithm === 'random_forest_classifier' ? new RandomForestClassifier(options) : new RandomForestRegression(options);
  model.train(x, y);
  const ms = performance.now() - started;
  const saved = JSON.parse(trained.artifacts[(trained.outputs as { model: { artifact: string } }).model.artifact].toString()) as {
    model: unknown;
  };
  return { ms, same: JSON.stringify(model.toJSON()) === JSON.stringify(saved.model) };
}

const seconds = (ms: number) =>
  ms >= 100_000 ? `${(ms / 1000).toFixed(0)} s` : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(3)} s`;
const mb = (value: number) => `${value.toFixed(0)} MB`;

function verdict(outcome: SandboxOutcome, ms: number): string {
  if (outcome.ok) return `fits (${seconds(ms)})`;
  const { code, message } = outcome.error;
  if (code === 'timeout') return `> ${CAP_MS / 1000} s, killed`;
  if (code === 'memory_exceeded') return 'out of memory';
  if (message.includes('byte limit of one read')) return 'input over 32 MiB';
  return `failed: ${code} ${message.slice(0, 60)}`;
}

interface Row {
  label: string;
  rowsIn: number;
  sandbox: string;
  rssMb?: number;
  step?: number[];
  base?: number[];
  heapMb?: number;
  note?: string;
  quality?: string;
}

function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  const head = [
    'step',
    'rows in',
    'median',
    'I/O base',
    'ratio',
    'heap peak',
    `sandbox (${env.STEP_MEMORY_MB} MB heap cap)`,
    'peak RSS',
    'n',
    'quality (held out)',
  ];
  const lines = rows.map((r) => {
    const [m, b] = [r.step?.length ? median(r.step) : undefined, r.base?.length ? median(r.base) : undefined];
    return [
      r.label,
      r.rowsIn.toLocaleString('en-US'),
      m === undefined ? '-' : seconds(m),
      b === undefined ? '-' : seconds(b),
      m === undefined || b === undefined ? '-' : `${(m / b).toFixed(1)}x`,
      r.heapMb === undefined ? '-' : mb(r.heapMb),
      r.sandbox,
      r.rssMb === undefined ? '-' : mb(r.rssMb),
      r.note ?? String(r.step?.length ?? 0),
      r.quality ?? '-',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  for (const line of [head, ...lines])
    console.log(
      `  ${line.map((cell, i) => (i === 0 || i === 6 || i === 9 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')}`,
    );
  reportResult({ title, columns: head, rows: lines });
}

console.log(
  `ml steps on synthetic data: ${FEATURES} features, ${CLASSES} classes, sizes ${SIZES.map((s) => s.toLocaleString('en-US')).join(' / ')}; ` +
    `sandbox ${sandbox.isolation ? 'OS-isolated (uid, RLIMIT_DATA, no network)' : `without OS isolation (${sandbox.isolationGap})`}, ` +
    `STEP_MEMORY_MB ${env.STEP_MEMORY_MB}, cap ${CAP_MS / 1000} s per run; ${typeof (globalThis as { gc?: unknown }).gc === 'function' ? '' : 'no --expose-gc: heap peaks include earlier garbage; '}` +
    "heap peak: V8 heap used above the heap before the step, at its highest (GC profiler, in this process); peak RSS: the sandboxed process's VmHWM",
);

// The model ml/evaluate, ml/compare and ml/predict use at every size: the example pipeline's forest, fitted once on 1,000 other rows.
store.set('bench/model-train.ndjson', ndjson(syntheticRows({ rows: 1000, features: FEATURES, classes: CLASSES, seed: 7 })));
const fitted = await inProcess(
  trainStep,
  {
    dataset: { artifact: 'bench/model-train.ndjson' },
    algorithm: 'random_forest_classifier',
    features,
    label: 'class',
    params: { nEstimators: 25, maxFeatures: 0.5, seed: 42 },
  },
  ['bench/model-train.ndjson'],
);
store.set(MODEL, store.get((fitted.outputs as { model: { artifact: string } }).model.artifact)!);

const timedOut = new Map<string, number>();
const summary = new Map<string, number>();
for (const size of SIZES) {
  const keys = {
    data: `bench/${size}/data.ndjson`,
    drifted: `bench/${size}/drifted.ndjson`,
    train: `bench/${size}/train.ndjson`,
    test: `bench/${size}/test.ndjson`,
  };
  store.set(keys.data, ndjson(syntheticRows({ rows: size, features: FEATURES, classes: CLASSES, seed: size })));
  store.set(keys.drifted, ndjson(syntheticRows({ rows: size, features: FEATURES, classes: CLASSES, seed: size + 1, shift: 0.3 })));
  const split = (await inProcess(splitStep, { dataset: { artifact: keys.data }, testSize: 0.2, stratify: 'class', seed: 42 }, [keys.data]))
    .outputs as Record<'train' | 'test', { artifact: string; rows: number }>;
  store.set(keys.train, store.get(split.train.artifact)!);
  store.set(keys.test, store.get(split.test.artifact)!);
  const rowsOf = (key: string) => (key === keys.train ? split.train.rows : key === keys.test ? split.test.rows : size);

  const rows: Row[] = [];
  for (const c of cases(keys)) {
    const rowsIn = c.reads.reduce((sum, key) => sum + rowsOf(key), 0);
    const earlier = timedOut.get(c.label);
    if (earlier !== undefined) {
      rows.push({ label: c.label, rowsIn, sandbox: `skipped: > ${CAP_MS / 1000} s at ${earlier.toLocaleString('en-US')}`, note: '0' });
      continue;
    }
    const { outcome, ms, peakRssMb } = await inSandbox(c);
    const row: Row = { label: c.label, rowsIn, sandbox: verdict(outcome, ms), rssMb: peakRssMb };
    rows.push(row);
    // Training can run for hours at sizes past its cap; the other steps are linear and run here anyway.
    if (!outcome.ok && outcome.error.code === 'timeout' && c.step === trainStep) {
      timedOut.set(c.label, size);
      continue;
    }
    if (!outcome.ok && !['timeout', 'memory_exceeded'].includes(outcome.error.code)) continue;
    if (outcome.ok) summary.set(c.label, size);
    const profiled = await heapPeak(() => inProcess(c.step, c.input, c.reads));
    row.heapMb = profiled.peakMb;
    if (c.heldOut) row.quality = await quality(profiled.value, c.heldOut);
    // The sandbox drops a put over the cap without an answer, so such a step waits for its timeout.
    const written = Math.max(
      0,
      ...Object.entries(profiled.value.artifacts)
        .filter(([key]) => key.startsWith('runs/'))
        .map(([, content]) => content.length),
    );
    if (written > ARTIFACT_MAX_BYTES) row.sandbox += `; writes ${(written / MB).toFixed(1)} MB > 32 MiB`;
    const baseline = () => inProcess(ioStep, { datasets: c.reads.map((artifact) => ({ artifact })) }, c.reads);
    await baseline();
    row.step = [];
    row.base = [];
    for (let i = 0; i < (profiled.ms > SLOW_MS ? 3 : ITERATIONS); i++) {
      row.base.push(await time(baseline));
      row.step.push(await time(() => inProcess(c.step, c.input, c.reads)));
    }
    if (LIBRARY && c.heldOut && String(c.input.algorithm).startsWith('random_forest')) {
      const reference = libraryFit(c, profiled.value);
      rows.push({
        label: "  the same, ml-random-forest's own fit",
        rowsIn,
        sandbox: 'not run',
        step: [reference.ms],
        note: '1',
        quality: reference.same ? `${row.quality}: the same model` : 'a different model',
      });
    }
  }
  const bytes = store.get(keys.data)!.length;
  printTable(
    `${size.toLocaleString('en-US')} rows (${(bytes / MB).toFixed(1)} MB of NDJSON, ${(bytes / size).toFixed(0)} B/row: ` +
      `the 32 MiB read cap is ~${Math.floor(ARTIFACT_MAX_BYTES / (bytes / size)).toLocaleString('en-US')} rows); train ${split.train.rows.toLocaleString('en-US')}, test ${split.test.rows.toLocaleString('en-US')}`,
    rows,
  );
  for (const key of [...store.keys()]) if (key.startsWith(`bench/${size}/`) || key.startsWith('runs/')) store.delete(key);
}

console.log(`\nLargest size measured that fits ${env.STEP_MEMORY_MB} MB and finishes within ${CAP_MS / 1000} s:`);
for (const c of cases({ data: '', drifted: '', train: '', test: '' })) {
  const size = summary.get(c.label);
  console.log(`  ${c.label.padEnd(64)} ${size === undefined ? 'none' : size.toLocaleString('en-US')}`);
}
await sandbox.close();
process.exit(0);
