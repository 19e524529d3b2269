import { z } from 'zod';
import { ScheduleView } from '../../schedules/dto/schedules.dto.js';
import { TriggerView } from '../../triggers/dto/triggers.dto.js';

const FieldChangeView = z.strictObject({
  path: z.string().describe('Where the value is (`with.url`, `retry.maxAttempts`; `pin` for the plugin step version a step runs)'),
  before: z.unknown().optional().describe('Absent when the field is new; long values are cut'),
  after: z.unknown().optional().describe('Absent when the field is dropped; long values are cut'),
});

/** What saving a definition would do, and to what: read before `PUT /v1/pipelines/{name}` (what `baton apply` prints). */
export const PipelineChangePlan = z.strictObject({
  name: z.string(),
  action: z.enum(['create', 'update', 'unchanged']).describe('`unchanged`: the definition and its pins are those of the latest version'),
  currentVersion: z.int().nullable().describe('The latest version now; null for a new pipeline'),
  checksum: z.string().describe('The checksum the new version would have'),
  steps: z.array(z.strictObject({ id: z.string(), change: z.enum(['added', 'removed', 'changed']), fields: z.array(FieldChangeView) })),
  fields: z.array(FieldChangeView).describe('Changes outside `steps` (inputs, outputs, onFailure, …)'),
  schedules: z.array(ScheduleView).describe('The schedules that will start the new version'),
  triggers: z.array(TriggerView).describe('The triggers that will start the new version, or fire on its runs'),
  runsInFlight: z
    .array(z.strictObject({ version: z.int(), runs: z.int() }))
    .describe('Runs not yet ended, per version: they finish on the version they started with'),
  newPermissions: z
    .array(
      z.strictObject({
        plugin: z.string(),
        version: z.string(),
        egress: z.array(z.string()),
        secrets: z.array(z.string()),
        network: z.array(z.string()),
      }),
    )
    .describe('What the plugin versions the new version pins may reach that those of the current one may not'),
});

export const DeletePipelineQuery = z.strictObject({
  /** Delete the schedules and triggers that use the pipeline with it, instead of refusing. */
  cascade: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
});
export type DeletePipelineQuery = z.output<typeof DeletePipelineQuery>;
