import { secretPlacements } from '../../../workers/contracts/expressions/index.js';
import type { PinnedStep, PipelineStep } from '../../../workers/contracts/pipeline.contract.js';
import { isSecretField, secretFieldNames } from '../../../workers/contracts/secret-fields.js';
import { formatPath } from '../../common/validation/zod.js';

/** What the check needs of the validator: where a step is, its pinned plugin's input schema, approvals. */
export interface SecretPlacementContext {
  stepPath(id: string): string;
  inputSchemaOf(pin: PinnedStep): object | undefined;
  /** Whether the tenant approved `plugin` for the secret `name`; every secret when the catalog does not say. */
  secretApproved?(plugin: string, name: string): boolean;
}

/**
 * A `${{ secrets.NAME }}` in a step's `with` must be the whole value of a field the pinned plugin
 * declares secret, of a plugin the tenant approved for that secret. Anywhere else the step would get
 * the value as plain data: `transform/jsonata` could `$split` it into characters that no redaction
 * of the whole value recognises. (Secrets in `if`, `outputs`, `forEach` or inside a larger string
 * are refused by the expression checks.)
 */
export function checkSecretPlacements(
  steps: Record<string, PipelineStep>,
  pins: Record<string, PinnedStep>,
  context: SecretPlacementContext,
  report: (path: string, message: string) => void,
): void {
  for (const [id, step] of Object.entries(steps)) {
    for (const { path, name } of secretPlacements(step.with ?? {})) {
      const where = `${context.stepPath(id)}.${formatPath(['with', ...path])}`;
      const pin = pins[id];
      if (!pin) {
        if (step.uses === undefined) report(where, 'Only a plugin step can receive a secret');
        continue;
      }
      const schema = context.inputSchemaOf(pin);
      const target = `\`${pin.plugin}/${pin.step}@${pin.version}\``;
      if (!isSecretField(schema, path)) {
        const fields = secretFieldNames(schema);
        const declared = fields.length ? `its secret fields are ${fields.map((f) => `\`${f}\``).join(', ')}` : 'it declares none';
        report(
          where,
          `\`\${{ secrets.${name} }}\` can only be written in a field ${target} declares secret (${declared}): anywhere else the step gets the value as plain data`,
        );
      } else if (context.secretApproved && !context.secretApproved(pin.plugin, name)) {
        report(
          where,
          `Plugin \`${pin.plugin}\` is not approved for secret ${name}: a tenant admin approves it with POST /v1/plugins/${pin.plugin}/enable { "secrets": ["${name}"] }`,
        );
      }
    }
  }
}
