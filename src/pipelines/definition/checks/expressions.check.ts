import { checkTemplate, checkWholeExpression, forEachExpressionString, ReferenceRules } from './reference-rules.js';
import type { CheckContext } from './check-context.js';

/**
 * Every `${{ … }}` in a step's `with` and `if`, the pipeline's `outputs` and its onFailure handlers
 * parses, calls only functions that exist, and reads only what exists there and has finished by then.
 */
export function checkExpressions(context: CheckContext): void {
  const { definition, report } = context;
  for (const [id, step] of Object.entries(definition.steps)) {
    const rules = ReferenceRules.of(context, id);
    forEachExpressionString(step.with ?? {}, `steps.${id}.with`, (text, path) => checkTemplate(text, path, 'with', rules, report));
    if (typeof step.if === 'string')
      checkWholeExpression(step.if, `steps.${id}.if`, 'if', 'Must be true, false or a single ${{ expression }}', rules, report);
  }
  const rules = ReferenceRules.of(context);
  forEachExpressionString(definition.outputs ?? {}, 'outputs', (text, path) => checkTemplate(text, path, 'outputs', rules, report));
  (definition.onFailure ?? []).forEach((handler, i) =>
    forEachExpressionString(handler.with ?? {}, `onFailure[${i}].with`, (text, path) =>
      checkTemplate(text, path, 'onFailure', rules, report),
    ),
  );
}
