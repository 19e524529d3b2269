import { expressionFields } from '../../../../workers/contracts/expression-fields.js';
import { containsExpression, inspectJsonata } from '../../../../workers/contracts/expressions/index.js';
import { formatPath } from '../../../common/validation/zod.js';
import { inputSchemaOf, stepPath, type CheckContext } from './check-context.js';

/**
 * The literal values of step inputs the plugin marks `x-baton-expression: jsonata` (the
 * `expression` of transform/jsonata and transform/dataset) compile, and call only functions that
 * exist: they are evaluated by the step, so nothing else would look at them before a run fails.
 */
export function checkExpressionFields({ runnables, pins, catalog, report }: CheckContext): void {
  for (const [id, pin] of Object.entries(pins)) {
    const schema = inputSchemaOf(pin, catalog);
    if (!schema) continue;
    for (const field of expressionFields(schema, runnables[id].with ?? {})) {
      // A value built by `${{ … }}` is known only at run time.
      if (containsExpression(field.source)) continue;
      const path = `${stepPath(id)}.${formatPath(['with', ...field.path])}`;
      for (const problem of inspectJsonata(field.source)) report(path, problem.message, problem.position);
    }
  }
}
