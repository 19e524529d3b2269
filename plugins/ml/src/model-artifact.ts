import { StepError, type StepContext } from '../../sdk/src/index.js';
import { modelFileSchema, type ModelFile } from './model.js';

/** The model file under an artifact key (as `ml/train` saved it), recorded as read. */
export async function readModel(artifact: string, ctx: StepContext): Promise<ModelFile> {
  ctx.lineage.input(artifact);
  let json: unknown;
  try {
    json = JSON.parse((await ctx.artifacts.get(artifact)).toString('utf8'));
  } catch (error) {
    if (error instanceof StepError) throw error;
    throw new StepError(`${artifact} is not JSON: is it a model saved by ml/train?`, { retryable: false, code: 'invalid_model' });
  }
  const parsed = modelFileSchema.safeParse(json);
  if (!parsed.success)
    throw new StepError(`${artifact} is not a model saved by ml/train (${parsed.error.issues[0]?.message})`, {
      retryable: false,
      code: 'invalid_model',
    });
  return parsed.data;
}
