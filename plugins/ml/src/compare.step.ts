import { z } from 'zod';
import { datasetInputSchema, defineStep, MODEL_NAME, StepError, type StepContext } from '../../sdk/src/index.js';
import { scoreModel } from './evaluate.step.js';
import { readModel } from './model-artifact.js';

/** Metrics where a smaller value is a better model; every other one is better when larger. */
export const LOWER_IS_BETTER: ReadonlySet<string> = new Set(['rmse', 'mae']);

const scoreSchema = z.strictObject({ version: z.number().int().optional(), artifact: z.string(), score: z.number() });

export const compareStep = defineStep({
  id: 'compare',
  title: 'Champion versus challenger',
  description:
    'Scores the champion (the `production` version of `name` in the model registry) and a challenger (a model artifact from ml/train, or `{ version }` ' +
    "of `name`) on the same held-out `dataset` with ml/evaluate's scoring, on `metric` (rmse and mae are better when lower, the others when higher). " +
    'The decision is `promote` when the challenger beats the champion by more than `margin` (or there is no champion), `keep` otherwise. ' +
    'With `promote: true` a winning challenger version is promoted to production (a challenger given as an artifact must then carry its `version`). ' +
    'The verdict is recorded with the model in the registry (`GET /v1/models/{name}/comparisons`) when the registry holds `name`.',
  input: z.strictObject({
    name: z.string().regex(MODEL_NAME, `must match ${MODEL_NAME.source}`),
    // One object rather than a union: a pipeline is checked against the JSON Schema when saved, with expressions in place of values.
    challenger: z
      .object({ artifact: z.string().min(1).optional(), version: z.number().int().min(1).optional() })
      .loose()
      .refine(
        (c) => c.artifact !== undefined || c.version !== undefined,
        "give the challenger's model `artifact` or its registered `version` (or both)",
      ),
    dataset: datasetInputSchema,
    metric: z.string().min(1).default('accuracy'),
    margin: z.number().min(0).default(0),
    promote: z.boolean().default(false),
  }),
  output: z.strictObject({
    decision: z.enum(['promote', 'keep']),
    metric: z.string(),
    champion: scoreSchema.nullable(),
    challenger: scoreSchema,
    promoted: z.boolean(),
  }),
  async run({ name, challenger: given, dataset, metric, margin, promote }, ctx) {
    let challengerVersion: number | undefined;
    let challengerArtifact: string;
    if (given.artifact !== undefined) {
      challengerArtifact = given.artifact;
      challengerVersion = given.version;
    } else {
      challengerVersion = given.version!;
      challengerArtifact = (await findVersion(ctx, name, challengerVersion)).artifact;
    }
    if (promote && challengerVersion === undefined) {
      throw new StepError("promote: true needs the challenger's registered `version` (register it with ml/register first)", {
        retryable: false,
        code: 'invalid_input',
      });
    }
    const score = async (artifact: string) => {
      const { metrics } = await scoreModel(await readModel(artifact, ctx), dataset.artifact, ctx);
      const value = metrics[metric];
      if (value === undefined)
        throw new StepError(`metric \`${metric}\` is not one of the model's metrics (${Object.keys(metrics).join(', ')})`, {
          retryable: false,
          code: 'invalid_metric',
        });
      if (value === null)
        throw new StepError(`metric \`${metric}\` could not be computed on ${dataset.artifact}`, {
          retryable: false,
          code: 'invalid_metric',
        });
      return value;
    };
    const challenger = {
      ...(challengerVersion !== undefined && { version: challengerVersion }),
      artifact: challengerArtifact,
      score: await score(challengerArtifact),
    };
    const lower = LOWER_IS_BETTER.has(metric);
    // The promote applies only over the champion this decision was made against; when another
    // compare promoted in between, the challenger is scored again against the new champion.
    for (let round = 1; ; round++) {
      const champion = await ctx.models.get(name, 'production');
      const championScore = champion
        ? { version: champion.version, artifact: champion.artifact, score: await score(champion.artifact) }
        : null;
      const gain = championScore ? (lower ? championScore.score - challenger.score : challenger.score - championScore.score) : Infinity;
      const same = championScore !== null && challengerVersion !== undefined && championScore.version === challengerVersion;
      const decision: 'promote' | 'keep' = !same && gain > margin ? 'promote' : 'keep';
      let promoted = false;
      if (decision === 'promote' && promote) {
        try {
          await ctx.models.promote(name, challengerVersion!, 'production', { ifProduction: champion?.version ?? null });
          promoted = true;
        } catch (error) {
          if (error instanceof StepError && error.code === 'production_changed' && round < MAX_ROUNDS) continue;
          throw error;
        }
      }
      const verdict = { decision, metric, champion: championScore, challenger, promoted };
      // The registry keeps the verdict with the model, so its page shows why a version is or is not in production.
      await ctx.models.recordComparison({
        name,
        metric,
        margin,
        decision,
        promoted,
        champion: championScore && { version: championScore.version, score: championScore.score },
        challenger,
      });
      return report(verdict, ctx);
    }
  },
});

const MAX_ROUNDS = 5;

/** The comparison as step metrics, a log line and the step's outputs. */
function report<
  T extends {
    decision: 'promote' | 'keep';
    metric: string;
    champion: { score: number } | null;
    challenger: { score: number };
    promoted: boolean;
  },
>(out: T, ctx: StepContext): T {
  ctx.metric(`ml_compare_${out.metric}`, out.challenger.score, { role: 'challenger' });
  if (out.champion) ctx.metric(`ml_compare_${out.metric}`, out.champion.score, { role: 'champion' });
  ctx.log('compared', {
    metric: out.metric,
    decision: out.decision,
    promoted: out.promoted,
    challenger: out.challenger.score,
    champion: out.champion?.score ?? null,
  });
  return out;
}

/** A registered version of `name` by number, looked up through the stages `ctx.models.get` answers for. */
async function findVersion(ctx: StepContext, name: string, version: number) {
  for (const stage of ['none', 'staging', 'production', 'archived'] as const) {
    const found = await ctx.models.get(name, stage);
    if (found?.version === version) return found;
  }
  throw new StepError(
    `version ${version} of model ${name} is not the production one nor the newest in any stage: pass the challenger as a model artifact (with its version)`,
    { retryable: false, code: 'unknown_model_version' },
  );
}
