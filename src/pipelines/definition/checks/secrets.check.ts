import { secretPlacements } from '../../../../workers/contracts/expressions/index.js';
import { isSecretField, secretFieldNames } from '../../../../workers/contracts/secret-fields.js';
import { formatPath } from '../../../common/validation/zod.js';
import { inputSchemaOf, stepPath, type CheckContext } from './check-context.js';

/**
 * A `${{ secrets.NAME }}` in a step's `with` must be the whole value of a field the pinned plugin
 * declares secret, of a plugin the tenant approved for that secret. Anywhere else the step would get
 * the value as plain data: `transform/jsonata` could `$split` it into characters that no redaction
 * of the whole value recognises. (Secrets in `if`, `outputs`, `forEach` or inside a larger string
 * are refused by the expression checks.) Only where the installation has a secrets store.
 */
export function checkSecrets({ runnables, pins, catalog, options, report }: CheckContext): void {
  if (!options.secretsAvailable) return;
  for (const [id, step] of Object.entries(runnables)) {
    const pin = pins[id];
    // A step whose `uses` did not resolve is reported by the steps check; approval steps have no `with`.
    if (!pin) continue;
    for (const { path, name } of secretPlacements(step.with ?? {})) {
      const where = `${stepPath(id)}.${formatPath(['with', ...path])}`;
      const schema = inputSchemaOf(pin, catalog);
      const target = `\`${pin.plugin}/${pin.step}@${pin.version}\``;
      if (!isSecretField(schema, path)) {
        const fields = secretFieldNames(schema);
        const declared = fields.length ? `its secret fields are ${fields.map((f) => `\`${f}\``).join(', ')}` : 'it declares none';
        report(
          where,
          `\`\${{ secrets.${name} }}\` can only be written in a field ${target} declares secret (${declared}): anywhere else the step gets the value as plain data`,
        );
      } else if (catalog.secretApproved && !catalog.secretApproved(pin.plugin, name)) {
        report(
          where,
          `Plugin \`${pin.plugin}\` is not approved for secret ${name}: a tenant admin approves it with POST /v1/plugins/${pin.plugin}/enable { "secrets": ["${name}"] }`,
        );
      }
    }
  }
}
