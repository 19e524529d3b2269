import { checkTemplate, checkWholeExpression, forEachExpressionString, ReferenceRules } from './reference-rules.js';
import type { CheckContext } from './check-context.js';

/** A `forEach` is a list, or one `${{ … }}` that gives one and reads only what has finished before the step. */
export function checkForEach(context: CheckContext): void {
  const { definition, report } = context;
  for (const [id, step] of Object.entries(definition.steps)) {
    const path = `steps.${id}.forEach`;
    if (typeof step.forEach === 'string') {
      const notWhole = 'Must be a list or a single ${{ expression }} giving one';
      checkWholeExpression(step.forEach, path, 'forEach', notWhole, ReferenceRules.of(context, id), report);
    } else if (Array.isArray(step.forEach)) {
      const rules = ReferenceRules.of(context, id);
      forEachExpressionString(step.forEach, path, (text, at) => checkTemplate(text, at, 'forEach', rules, report));
    }
  }
}
