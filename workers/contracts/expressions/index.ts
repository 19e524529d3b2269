/**
 * `${{ … }}` expressions in pipeline definitions, evaluated with JSONata.
 *
 * Imported by the control plane (validation) and by the workflow bundle (evaluation), so it
 * must stay deterministic: no Node APIs, no clocks, no randomness of its own.
 */
export {
  DATE_PICTURE_REFUSED,
  EvaluationBudget,
  EXPRESSION_BUDGET_EXCEEDED,
  ExpressionBudgetError,
  MAX_EVALUATION_STEPS,
  MAX_REGEX_WORK,
  MAX_STRING_LENGTH,
} from './budget.js';

export { compileExpression, quoteHyphenatedStepIds, type CompiledExpression, type CompileResult, type LocatedProblem } from './compile.js';
export { ExpressionError, MAX_EXPRESSION_LENGTH } from './errors.js';
export { evaluateCondition, evaluateTemplate, expressionErrorCode, isTruthy, type ExpressionContext, type StepScope } from './evaluate.js';
export { JSONATA_FUNCTIONS, unknownFunctionCalls, type FunctionCall } from './functions.js';
export {
  inspectJsonata,
  inspectTemplate,
  secretPlacements,
  secretReference,
  type SecretPlacement,
  type TemplateInspection,
} from './inspection.js';
export { collectReferences, type ExpressionReference, type ReferenceRoot } from './references.js';
export { containsExpression, parseTemplate, parseTemplateWithOffsets, type Template, type TemplateSegment } from './template.js';
