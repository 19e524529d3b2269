/**
 * How much work one JSONata evaluation of tenant code may do, counted, never timed: workflow code
 * is replayed, so the same evaluation must stop at the same point every time. A unit is about one
 * evaluation step; every value a step produces is also charged by its size (a long string, a big
 * array or object: what native work on it costs), and regular expressions by what RE2 may examine
 * (safe-regex.ts).
 *
 * Imported by the control plane and by the workflow bundle: no Node APIs, no clocks, and no await
 * that depends on what an isolate has cached (it would reorder a workflow's commands on replay).
 */
import jsonata from 'jsonata';
import { ExpressionBudgetError, re2Engine, RegexBudget, regexProblem } from '../safe-regex.js';

export { ExpressionBudgetError, EXPRESSION_BUDGET_EXCEEDED } from '../safe-regex.js';

/** Units one evaluation may spend (each node JSONata evaluates is one). */
export const MAX_EVALUATION_STEPS = 100_000;
/** Characters × RE2 program instructions the regular expressions of one evaluation may examine. */
export const MAX_REGEX_WORK = 20_000_000;
/** Longest string an expression may build; Temporal payloads are capped at 2 MB anyway. */
export const MAX_STRING_LENGTH = 1024 * 1024;
const MAX_EVALUATION_DEPTH = 500;
const MAX_SEQUENCE_LENGTH = 100_000;

/** An error as JSONata's own functions throw it: JSONata writes the message its code stands for. */
const jsonataError = (fields: { code: string } & Record<string, unknown>): Error => Object.assign(new Error(fields.code), fields);

/**
 * Native work per unit, measured (npm run bench:expressions): `$length` reads about 64 characters,
 * a deep walk or a clone about 4 items, in the time of one evaluation step.
 */
const CHARACTERS_PER_UNIT = 64;
const ITEMS_PER_UNIT = 4;

/** Not a valid JSONata variable name, so an expression can neither read nor shadow it. */
const BUDGET_BINDING = 'baton evaluation budget';
const EVALUATE_ENTRY_HOOK = Symbol.for('jsonata.__evaluate_entry');
const EVALUATE_EXIT_HOOK = Symbol.for('jsonata.__evaluate_exit');

export class EvaluationBudget {
  private remaining: number;
  readonly regex = new RegexBudget(MAX_REGEX_WORK, 'Evaluation');
  /** Bound to this budget; installed as JSONata's engine at the evaluation's first step. */
  readonly regexEngine = re2Engine(this.regex);

  constructor(
    readonly steps = MAX_EVALUATION_STEPS,
    private readonly what = 'Evaluation',
  ) {
    this.remaining = steps;
  }

  /** Steps not spent yet. */
  get left(): number {
    return this.remaining;
  }

  spend(units: number): void {
    this.remaining -= units;
    if (this.remaining < 0) {
      throw new ExpressionBudgetError(
        `${this.what} stopped after ${this.steps} steps: the expression loops, recurses or handles too much data`,
      );
    }
  }
}

/**
 * Compiles tenant JSONata so that it can only run against a budget (see evaluateWithBudget), with
 * RE2 for its regexes. Throws JSONata's syntax errors, and an ExpressionBudgetError for what no
 * budget can bound (unboundedConstruct).
 */
export function compileBounded(text: string, depth = MAX_EVALUATION_DEPTH): jsonata.Expression {
  const expression = jsonata(text, { stack: depth, sequence: MAX_SEQUENCE_LENGTH, RegexEngine: refusedRegExp() });
  const unbounded = unboundedConstruct(expression.ast());
  if (unbounded) throw Object.assign(new ExpressionBudgetError(unbounded.message), { position: unbounded.position });
  // JSONata binds symbols as well as strings; its typings only admit strings.
  expression.assign(EVALUATE_ENTRY_HOOK as unknown as string, onEntry);
  expression.assign(EVALUATE_EXIT_HOOK as unknown as string, onExit);
  expression.registerFunction('distinct', distinct, '<x:x>');
  expression.registerFunction('sort', sort, '<af?:a>');
  expression.registerFunction('eval', boundedEval, '<sx?:x>');
  expression.registerFunction('toMillis', isoOnlyToMillis, '<s-s?:n>');
  return expression;
}

/** Evaluates what compileBounded made against `budget`. Not async itself: it adds no step to the caller's awaits. */
export function evaluateWithBudget(
  expression: jsonata.Expression,
  input: unknown,
  budget = new EvaluationBudget(),
  bindings: Record<string, unknown> = {},
): Promise<unknown> {
  return expression.evaluate(input, { ...bindings, [BUDGET_BINDING]: budget });
}

type Environment = jsonata.Environment & { base?: { RegexEngine?: unknown } };
type Focus = { environment: Environment; input: unknown };

function budgetOf(environment: Environment): EvaluationBudget {
  const budget = environment.lookup(BUDGET_BINDING);
  if (!(budget instanceof EvaluationBudget)) throw new ExpressionBudgetError('Evaluation refused: no evaluation budget was given');
  return budget;
}

function onEntry(_node: unknown, _input: unknown, environment: Environment): void {
  const budget = budgetOf(environment);
  // JSONata constructs `environment.base.RegexEngine` for every regex it evaluates: this budget's.
  if (environment.base && environment.base.RegexEngine !== budget.regexEngine) environment.base.RegexEngine = budget.regexEngine;
  budget.spend(1);
}

function onExit(_node: unknown, _input: unknown, environment: Environment, result: unknown): void {
  if (typeof result === 'string' && result.length > MAX_STRING_LENGTH) {
    throw new ExpressionBudgetError(`Evaluation stopped: the expression built a string longer than ${MAX_STRING_LENGTH} characters`);
  }
  const units = sizeUnits(result);
  if (units >= 1) budgetOf(environment).spend(units);
}

/** What reading or holding `value` costs, shallowly, in units. */
function sizeUnits(value: unknown): number {
  if (typeof value === 'string') return value.length / CHARACTERS_PER_UNIT;
  if (Array.isArray(value)) return value.length / ITEMS_PER_UNIT;
  if (value !== null && typeof value === 'object') return Object.keys(value).length / ITEMS_PER_UNIT;
  return 0;
}

/**
 * `$distinct` in linear time: JSONata's compares every item with every distinct one found so far
 * (100,000 distinct items: 5·10⁹ deep comparisons). Equal as JSONata's deep equality has it.
 */
function distinct(this: Focus, value: unknown): unknown {
  if (!Array.isArray(value) || value.length <= 1) return value;
  const seen = new Set<string>();
  const result: unknown[] = [];
  value.forEach((item, index) => {
    const key = canonicalKey(item) ?? `#${index}`;
    if (!seen.has(key)) {
      seen.add(key);
      result.push(item);
    }
  });
  budgetOf(this.environment).spend(value.length / ITEMS_PER_UNIT);
  return result;
}

/**
 * `$sort` as a bottom-up merge sort (stable, n log n comparisons, no recursion): JSONata's own
 * copies what is left of a list at every step (quadratic) and nests an await per element. The
 * comparator, a JSONata function, runs on the caller's budget; `true` puts its second argument first.
 */
async function sort(this: Focus, array: unknown, comparator?: unknown): Promise<unknown> {
  if (array === undefined) return undefined;
  if (!Array.isArray(array) || array.length <= 1) return array;
  const budget = budgetOf(this.environment);
  const n = array.length;
  budget.spend((n * Math.log2(n + 1)) / ITEMS_PER_UNIT);
  if (comparator === undefined) {
    if (!array.every((x) => typeof x === 'number') && !array.every((x) => typeof x === 'string'))
      throw jsonataError({ code: 'D3070', index: 1 });
    return [...array].sort((a, b) => (a > b ? 1 : a < b ? -1 : 0));
  }
  const compare = compareHelper();
  let items = [...array];
  for (let width = 1; width < n; width *= 2) {
    const merged: unknown[] = [];
    for (let low = 0; low < n; low += 2 * width) {
      const middle = Math.min(low + width, n);
      const high = Math.min(low + 2 * width, n);
      let [i, j] = [low, middle];
      while (i < middle && j < high)
        merged.push(
          (await evaluateWithBudget(compare, undefined, budget, { f: comparator, a: items[i], b: items[j] })) ? items[j++] : items[i++],
        );
      while (i < middle) merged.push(items[i++]);
      while (j < high) merged.push(items[j++]);
    }
    items = merged;
  }
  return items;
}

let compareExpression: jsonata.Expression | undefined;
const compareHelper = () => (compareExpression ??= compileBounded('$f($a, $b)'));

/** The same text for deeply equal JSON values (keys sorted); undefined for what is not JSON, which equals nothing else. */
function canonicalKey(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object')
    return typeof value === 'function' || value === undefined ? undefined : `${typeof value}:${JSON.stringify(value)}`;
  if ('_jsonata_lambda' in value || '_jsonata_function' in value) return undefined;
  if (Array.isArray(value)) {
    const items = value.map(canonicalKey);
    return items.includes(undefined) ? undefined : `[${items.join(',')}]`;
  }
  const entries = Object.keys(value)
    .sort()
    .map((key) => [key, canonicalKey((value as Record<string, unknown>)[key])] as const);
  return entries.some(([, item]) => item === undefined)
    ? undefined
    : `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${item}`).join(',')}}`;
}

/**
 * `$eval`: the text is tenant code too, compiled the same way and run on the caller's budget
 * (against the given context, else the current one; the caller's variables are not visible).
 */
function boundedEval(this: Focus, text: string, context?: unknown): Promise<unknown> | undefined {
  if (text === undefined) return undefined;
  let expression: jsonata.Expression;
  try {
    expression = compileBounded(text);
  } catch (error) {
    if (error instanceof ExpressionBudgetError) throw new ExpressionBudgetError(`$eval refused: ${error.message}`);
    throw jsonataError({ code: 'D3120', value: (error as Error).message });
  }
  return evaluateWithBudget(expression, context === undefined ? this.input : context, budgetOf(this.environment));
}

/**
 * The first construct in an expression whose running time no budget can bound, with its position:
 * a regex RE2 cannot run, or a function signature (JSONata matches arguments against signatures
 * with a backtracking RegExp it builds from them).
 */
export function unboundedConstruct(ast: unknown, seen = new Set<object>()): { message: string; position?: number } | undefined {
  if (!ast || typeof ast !== 'object' || ast instanceof RegExp || seen.has(ast)) return undefined;
  seen.add(ast);
  const node = ast as { type?: string; value?: unknown; signature?: unknown; position?: number };
  if (node.type === 'regex' && node.value instanceof RegExp) {
    const problem = regexProblem(node.value.source, node.value.flags);
    if (problem) return { message: problem, position: node.position };
  }
  if (node.type === 'sort') {
    return {
      message:
        'Sorting with `^(…)` is not allowed: JSONata sorts that way in quadratic time; use $sort(list, function($a, $b) { $a.field > $b.field })',
      position: node.position,
    };
  }
  if (node.type === 'lambda' && node.signature) {
    return {
      message: 'Function signatures (`function($x)<s:s>{…}`) are not allowed: JSONata checks them with a backtracking regular expression',
      position: node.position,
    };
  }
  for (const child of Object.values(ast)) {
    const found = unboundedConstruct(child, seen);
    if (found) return found;
  }
  return undefined;
}

/** JSONata's `$toMillis(timestamp, picture)` parses with a backtracking RegExp built from the picture. */
export const DATE_PICTURE_REFUSED =
  '$toMillis with a picture string is not allowed in expressions: its running time cannot be bounded; pass ISO 8601 timestamps, or parse in a transform/jsonata step';

/** JSONata's own `$toMillis`, minus the picture-string form. Deterministic: no clock involved. */
async function isoOnlyToMillis(timestamp: string | undefined, picture?: string): Promise<number | undefined> {
  if (picture !== undefined) throw new Error(DATE_PICTURE_REFUSED);
  const builtin = await builtinToMillis();
  return builtin.implementation(timestamp) as number | undefined;
}

type JsonataFunction = { implementation: (...args: unknown[]) => unknown };
let builtinToMillisValue: Promise<JsonataFunction> | undefined;

function builtinToMillis(): Promise<JsonataFunction> {
  builtinToMillisValue ??= jsonata('$toMillis').evaluate({}) as Promise<JsonataFunction>;
  return builtinToMillisValue;
}

/** Engine for an evaluation that somehow started without its budget's: refuses, so no regex runs on backtracking. */
function refusedRegExp(): RegExpConstructor {
  return function RefusedRegExp(): never {
    throw new ExpressionBudgetError('Regular expressions run only with an evaluation budget');
  } as unknown as RegExpConstructor;
}
