import { z } from 'zod';
import { datasetInputSchema, defineStep, StepError } from '../../sdk/src/index.js';
import { ksPValue, ksStatistic, psi } from './drift-stats.js';
import { numericColumn, readRows } from './table.js';

export const driftStep = defineStep({
  id: 'drift',
  title: 'Detect drift between a reference and a current dataset',
  description:
    "For each feature (numbers): the population stability index (PSI, over `bins` bins cut at the reference's quantiles) and the two-sample " +
    'Kolmogorov–Smirnov statistic (the largest gap between the two empirical distribution functions). A feature drifted when its PSI is above ' +
    '`psiThreshold` or its KS statistic above `ksThreshold`; if any did, `drifted` is true and the step emits a `model.drift_detected` event.',
  input: z.strictObject({
    reference: datasetInputSchema,
    current: datasetInputSchema,
    /** Default: the columns that are numbers in the reference's first row. */
    features: z.array(z.string().min(1)).min(1).max(1000).optional(),
    bins: z.number().int().min(2).max(100).default(10),
    psiThreshold: z.number().positive().default(0.2),
    ksThreshold: z.number().gt(0).max(1).default(0.2),
    /** The model the data feeds, named in the event. */
    model: z.string().min(1).optional(),
  }),
  output: z.strictObject({
    drifted: z.boolean(),
    /** `ksPValue`: the KS statistic's asymptotic p-value (reported; drift is decided on `ks`). */
    features: z.array(z.strictObject({ feature: z.string(), psi: z.number(), ks: z.number(), ksPValue: z.number(), drifted: z.boolean() })),
  }),
  async run({ reference, current, features: given, bins, psiThreshold, ksThreshold, model }, ctx) {
    const [ref, cur] = await Promise.all([readRows(reference.artifact, ctx), readRows(current.artifact, ctx)]);
    if (ref.length === 0 || cur.length === 0)
      throw new StepError('both datasets need rows to compare', { retryable: false, code: 'too_few_rows' });
    const features =
      given ??
      Object.entries(ref[0])
        .filter(([, value]) => typeof value === 'number')
        .map(([name]) => name);
    if (features.length === 0)
      throw new StepError(`${reference.artifact} has no numeric columns: name the features`, { retryable: false, code: 'invalid_input' });
    const scores = features.map((feature) => {
      const a = numericColumn(ref, feature, reference.artifact);
      const b = numericColumn(cur, feature, current.artifact);
      const ks = ksStatistic(a, b);
      const score = { feature, psi: psi(a, b, bins), ks, ksPValue: ksPValue(ks, a.length, b.length) };
      return { ...score, drifted: score.psi > psiThreshold || score.ks > ksThreshold };
    });
    for (const s of scores) {
      ctx.metric('ml_drift_psi', s.psi, { feature: s.feature });
      ctx.metric('ml_drift_ks', s.ks, { feature: s.feature });
    }
    const drifted = scores.filter((s) => s.drifted);
    if (drifted.length) {
      ctx.emit('model.drift_detected', {
        ...(model && { model }),
        reference: reference.artifact,
        current: current.artifact,
        psiThreshold,
        ksThreshold,
        // The event stays small (8 KiB): the most drifted features first, at most 20.
        features: drifted
          .sort((x, y) => y.psi - x.psi)
          .slice(0, 20)
          .map(({ feature, psi: p, ks, ksPValue: pValue }) => ({ feature, psi: p, ks, ksPValue: pValue })),
      });
      ctx.log('warn', `drift in ${drifted.length} of ${scores.length} feature(s)`, { features: drifted.map((s) => s.feature) });
    }
    return { drifted: drifted.length > 0, features: scores };
  },
});
