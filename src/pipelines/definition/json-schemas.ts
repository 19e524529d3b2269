import { Ajv2020, type ErrorObject, type Options, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { containsExpression } from '../../../workers/contracts/expressions/index.js';
import { ajvRegExp, regexProblem, type RegexBudget } from '../../../workers/contracts/safe-regex.js';
import type { FieldProblem } from '../../common/errors/baton-error.js';
import { schemaErrorMessage, schemaErrorPath } from '../../common/validation/problem-messages.js';
import { formatPath } from '../../common/validation/zod.js';

/** The budget of the check under way: ajv calls the regex engine synchronously, inside it. */
let regexBudget: RegexBudget | undefined;
const schemaRegExp = ajvRegExp(() => regexBudget);

/** Runs `check` with `budget` charged for every `pattern` ajv evaluates meanwhile. */
export function withRegexBudget<T>(budget: RegexBudget, check: () => T): T {
  regexBudget = budget;
  try {
    return check();
  } finally {
    regexBudget = undefined;
  }
}

// Strict about keywords in schemas users write (a misspelt keyword is a mistake), lenient for plugin schemas.
export const userSchemas = once(() => newAjv({ strictSchema: true, strictTypes: false, strictTuples: false, strictRequired: false }));
export const pluginSchemas = once(() => newAjv({ strict: false }));

function newAjv(strictness: Pick<Options, 'strict' | 'strictSchema' | 'strictTypes' | 'strictTuples' | 'strictRequired'>): Ajv2020 {
  // `pattern` and `patternProperties` run on RE2, never on the backtracking RegExp engine.
  const ajv = new Ajv2020({ allErrors: true, logger: false, code: { regExp: schemaRegExp }, ...strictness });
  addFormats.default(ajv);
  return ajv;
}

function once<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= create());
}

/** The validate function, or why the schema does not compile. */
export function compileSchema(ajv: Ajv2020, schema: object): ValidateFunction | string {
  try {
    return ajv.compile(schema);
  } catch (error) {
    return (error as Error).message;
  } finally {
    // ajv keeps every schema it compiles; forget it so that a long-lived instance does not grow.
    ajv.removeSchema(schema);
  }
}

/** Why a plugin step's JSON Schema does not compile, if it does not: checked when a version is published (schemaRegexProblems first). */
export function pluginSchemaProblem(schema: object): string | undefined {
  const compiled = compileSchema(pluginSchemas(), schema);
  return typeof compiled === 'string' ? compiled : undefined;
}

/**
 * One ajv error about `value` (checked at `base`) as a problem, or null when `skipExpressions` and
 * it concerns a value an expression will produce at run time.
 */
export function schemaProblem(base: string, value: unknown, error: ErrorObject, skipExpressions = false): FieldProblem | null {
  const segments = schemaErrorPath(error);
  let path = base;
  let at = value;
  for (const segment of segments) {
    path += Array.isArray(at) ? `[${segment}]` : path ? `.${segment}` : segment;
    at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[segment] : undefined;
  }
  const aboutField = ['required', 'additionalProperties', 'unevaluatedProperties'].includes(error.keyword);
  if (skipExpressions && !aboutField && containsExpression(at)) return null;
  return { path, message: schemaErrorMessage(error) };
}

/**
 * Every `pattern` and `patternProperties` regex in a schema that RE2 cannot run (ajv runs them with
 * RE2, see newAjv), at its path: `inputs.code.pattern`, `inputs.tags.patternProperties.^x-`.
 */
export function schemaRegexProblems(schema: unknown, path: PropertyKey[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  forEachRegexKeyword(schema, path, (keyword, at, value) => {
    const patterns = keyword === 'pattern' ? [[at, value]] : Object.keys(value as object).map((key) => [[...at, key], key]);
    for (const [where, pattern] of patterns as Array<[PropertyKey[], unknown]>) {
      const problem = typeof pattern === 'string' ? regexProblem(pattern, 'u') : undefined;
      if (problem) problems.push({ path: formatPath(where), message: problem });
    }
  });
  return problems;
}

type RegexKeyword = 'pattern' | 'patternProperties';

/** Keywords whose value is a schema, or an array of schemas (draft 2020-12 and draft-07, which ajv also reads). */
const SUBSCHEMA_KEYWORDS = new Set([
  'not',
  'if',
  'then',
  'else',
  'items',
  'prefixItems',
  'additionalItems',
  'contains',
  'additionalProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'propertyNames',
  'contentSchema',
  'allOf',
  'anyOf',
  'oneOf',
]);
/** Keywords whose value maps names to schemas. */
const SUBSCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'dependentSchemas', 'dependencies', '$defs', 'definitions']);

/**
 * Calls `found` for every `pattern` and `patternProperties` keyword in a schema and its subschemas.
 * Walks schema positions only, so a property named `pattern`, or an `enum` or `default` value
 * holding one, is not mistaken for the keyword.
 */
function forEachRegexKeyword(
  schema: unknown,
  path: PropertyKey[],
  found: (keyword: RegexKeyword, path: PropertyKey[], value: unknown) => void,
): void {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return;
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'pattern' || (keyword === 'patternProperties' && value !== null && typeof value === 'object'))
      found(keyword, [...path, keyword], value);
    if (SUBSCHEMA_KEYWORDS.has(keyword)) {
      if (Array.isArray(value)) value.forEach((item, index) => forEachRegexKeyword(item, [...path, keyword, index], found));
      else forEachRegexKeyword(value, [...path, keyword], found);
    } else if (SUBSCHEMA_MAP_KEYWORDS.has(keyword) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [name, subschema] of Object.entries(value)) forEachRegexKeyword(subschema, [...path, keyword, name], found);
    }
  }
}
