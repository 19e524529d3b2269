import { MAX_REGEX_WORK } from '../../../../workers/contracts/expressions/index.js';
import { ExpressionBudgetError, RegexBudget } from '../../../../workers/contracts/safe-regex.js';
import { compileSchema, schemaProblem, schemaRegexProblems, userSchemas, withRegexBudget } from '../json-schemas.js';
import type { CheckContext } from './check-context.js';

/** The run's input schemas compile (with RE2 regexes), their defaults fit them, `required` names declared inputs. */
export function checkInputs(context: CheckContext): void {
  const { definition, report } = context;
  const inputs = definition.inputs ?? {};
  for (const [name, schema] of Object.entries(inputs)) {
    const regexProblems = schemaRegexProblems(schema, ['inputs', name]);
    for (const problem of regexProblems) report(problem.path, problem.message);
    if (regexProblems.length) continue;
    const validate = compileSchema(userSchemas(), schema);
    if (typeof validate === 'string') report(`inputs.${name}`, `Not a valid JSON Schema: ${validate}`);
    else if (Object.hasOwn(schema, 'default') && !context.budgetExceeded) {
      // A default that does not fit would fail every run that leaves the input out.
      const fits = withRegexBudget(new RegexBudget(MAX_REGEX_WORK, 'Checking the default of an input'), () => {
        try {
          return validate(schema.default);
        } catch (error) {
          if (!(error instanceof ExpressionBudgetError)) throw error;
          report(`inputs.${name}.default`, error.message);
          context.budgetExceeded = true;
          return true;
        }
      });
      if (!fits)
        for (const error of validate.errors ?? []) {
          const problem = schemaProblem(`inputs.${name}.default`, schema.default, error);
          if (problem) report(problem.path, problem.message);
        }
    }
  }
  (definition.required ?? []).forEach((name, index) => {
    if (!Object.hasOwn(inputs, name)) report(`required[${index}]`, `\`${name}\` is not declared in inputs`);
  });
}
