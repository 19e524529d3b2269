import { z } from 'zod';
import { defineStep, StepError } from '../../sdk/src/index.js';

/**
 * Declares the `pipeline/run` step so that pipelines can pin it and have `with` checked when they
 * are saved. The engine carries it out as a Temporal child workflow (see run-pipeline.workflow.ts):
 * a sandbox could only start a run over HTTP and poll it, holding a worker slot for hours and
 * losing cancel propagation. Run in a sandbox anyway, it refuses.
 */
export const runStep = defineStep({
  id: 'run',
  title: 'Run another pipeline',
  description:
    'Starts a pipeline of the same tenant as a child run and waits for it; cancelling this run cancels the child. Outputs the child run id, status and outputs.',
  input: z.strictObject({
    pipeline: z
      .string()
      .regex(/^[a-z0-9-]{1,63}$/)
      .describe('Name of the pipeline to run.'),
    version: z.number().int().min(1).optional().describe('A version of it; the latest when absent.'),
    inputs: z.record(z.string(), z.unknown()).default({}).describe("The child run's inputs."),
  }),
  output: z.strictObject({
    runId: z.string(),
    status: z.literal('succeeded'),
    outputs: z.record(z.string(), z.unknown()).nullable(),
  }),
  run() {
    throw new StepError('pipeline/run is carried out by the Baton engine as a child run, not in a sandbox', {
      retryable: false,
      code: 'engine_step',
    });
  },
});
