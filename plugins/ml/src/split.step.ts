import { MersenneTwister19937, shuffle } from 'random-js';
import { z } from 'zod';
import { datasetInputSchema, datasetRefSchema, defineStep, StepError } from '../../sdk/src/index.js';
import { labelColumn, labelKey, readRows } from './table.js';

export const splitStep = defineStep({
  id: 'split',
  title: 'Split a dataset into train, test (and validation) sets',
  description:
    'Shuffles the rows with a seeded generator (Mersenne Twister) and cuts them into a test share, an optional validation share and the rest for training. ' +
    'With `stratify: <label column>` each class is cut in the same proportions (for classification). The same dataset and seed give the same split.',
  input: z
    .strictObject({
      dataset: datasetInputSchema,
      testSize: z.number().gt(0).lt(1).default(0.2),
      validationSize: z.number().min(0).lt(1).default(0),
      stratify: z.string().min(1).optional(),
      seed: z
        .number()
        .int()
        .min(-(2 ** 31))
        .max(2 ** 31 - 1)
        .default(42),
    })
    .refine((input) => input.testSize + input.validationSize < 1, {
      message: 'testSize + validationSize must be below 1',
      path: ['validationSize'],
    }),
  output: z.strictObject({
    train: datasetRefSchema,
    test: datasetRefSchema,
    validation: datasetRefSchema.optional(),
    counts: z.strictObject({ train: z.number().int(), test: z.number().int(), validation: z.number().int() }),
  }),
  async run({ dataset, testSize, validationSize, stratify, seed }, ctx) {
    const rows = await readRows(dataset.artifact, ctx);
    const engine = MersenneTwister19937.seed(seed);
    // Rows by class when stratifying (classes in order of first appearance), else one group.
    // Appended in place: copying a group per row made this quadratic (30 s for 100,000 rows).
    const groups = new Map<string, number[]>();
    const labels = stratify ? labelColumn(rows, stratify, dataset.artifact) : undefined;
    rows.forEach((_, index) => {
      const key = labels ? labelKey(labels[index]) : '';
      const group = groups.get(key);
      if (group) group.push(index);
      else groups.set(key, [index]);
    });
    const part = { train: [] as number[], test: [] as number[], validation: [] as number[] };
    for (const indexes of groups.values()) {
      const shuffled = shuffle(engine, indexes);
      const test = Math.round(shuffled.length * testSize);
      const validation = Math.round(shuffled.length * validationSize);
      // One at a time: push(...slice) overflows the call stack past ~120,000 indexes.
      shuffled.forEach((index, i) => (i < test ? part.test : i < test + validation ? part.validation : part.train).push(index));
    }
    if (part.train.length === 0 || part.test.length === 0) {
      throw new StepError(`${rows.length} row(s) are too few to split into train and test sets`, {
        retryable: false,
        code: 'too_few_rows',
      });
    }
    const write = async (name: keyof typeof part) => {
      const ref = await ctx.artifacts.writeDataset(
        ctx.artifacts.ownKey(`${name}.ndjson`),
        part[name].sort((a, b) => a - b).map((i) => rows[i]),
      );
      ctx.lineage.output(ref);
      return ref;
    };
    const counts = { train: part.train.length, test: part.test.length, validation: part.validation.length };
    ctx.log('split', { rows: rows.length, ...counts, seed, stratify });
    return {
      train: await write('train'),
      test: await write('test'),
      ...(validationSize > 0 && { validation: await write('validation') }),
      counts,
    };
  },
});
