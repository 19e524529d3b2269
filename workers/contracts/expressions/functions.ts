/**
 * Calls to functions that do not exist (`$uppercas(x)`), found at save rather than when a run
 * evaluates them. *
 * Deterministic: imported by the workflow bundle. No Node APIs, no clocks, no randomness of its own.
 */

import type { AstNode } from './references.js';

/**
 * The functions JSONata 2.2 binds in every expression (its static frame, plus `$now` and
 * `$millis`), in the order jsonata.js binds them. functions.spec.ts reads the installed jsonata
 * to keep this list true when the package is upgraded.
 */
export const JSONATA_FUNCTIONS: ReadonlySet<string> = new Set([
  'sum',
  'count',
  'max',
  'min',
  'average',
  'string',
  'substring',
  'substringBefore',
  'substringAfter',
  'lowercase',
  'uppercase',
  'length',
  'trim',
  'pad',
  'match',
  'contains',
  'replace',
  'split',
  'join',
  'formatNumber',
  'formatBase',
  'formatInteger',
  'parseInteger',
  'number',
  'floor',
  'ceil',
  'round',
  'abs',
  'sqrt',
  'power',
  'random',
  'boolean',
  'not',
  'map',
  'zip',
  'filter',
  'single',
  'reduce',
  'sift',
  'keys',
  'lookup',
  'append',
  'exists',
  'spread',
  'merge',
  'reverse',
  'each',
  'error',
  'assert',
  'type',
  'sort',
  'shuffle',
  'distinct',
  'base64encode',
  'base64decode',
  'encodeUrlComponent',
  'encodeUrl',
  'decodeUrlComponent',
  'decodeUrl',
  'eval',
  'toMillis',
  'fromMillis',
  'clone',
  'now',
  'millis',
]);

export interface FunctionCall {
  name: string;
  /** 1-based character of the `$` that starts the name, in the compiled text. */
  position: number;
}

/**
 * Functions called (`$f(…)`, `$f(?, 1)`, `x ~> $f`) that are neither JSONata's nor bound in the
 * expression itself (`$f := function…`, a lambda's parameter): at run time each would fail with
 * "attempted to invoke a non-function". Scopes are not followed: a name bound anywhere counts.
 */
export function unknownFunctionCalls(ast: AstNode): FunctionCall[] {
  const bound = new Set<string>();
  const calls: FunctionCall[] = [];
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) return value.forEach(visit);
    const node = value as AstNode;
    // jsonata's typings leave out some node types (`bind`, `apply`).
    const type = node.type as string;
    if (type === 'bind' && isVariable(node.lhs)) bound.add(node.lhs.value);
    if (type === 'lambda' && Array.isArray(node.arguments))
      for (const argument of node.arguments as unknown[]) if (isVariable(argument)) bound.add(argument.value);
    const callee = type === 'function' || type === 'partial' ? node.procedure : type === 'apply' ? node.rhs : undefined;
    if (isVariable(callee) && callee.value !== '' && callee.value !== '$')
      calls.push({ name: callee.value, position: callee.position - callee.value.length });
    for (const [key, child] of Object.entries(node)) if (key !== 'value') visit(child);
  };
  visit(ast);
  return calls.filter((call) => !JSONATA_FUNCTIONS.has(call.name) && !bound.has(call.name));
}

function isVariable(node: unknown): node is { type: 'variable'; value: string; position: number } {
  const candidate = node as { type?: unknown; value?: unknown; position?: unknown } | null;
  return candidate?.type === 'variable' && typeof candidate.value === 'string' && typeof candidate.position === 'number';
}

/** `Unknown function $uppercas (did you mean $uppercase?)`. */
export function unknownFunctionMessage(name: string): string {
  const suggestion = closestFunction(name);
  return `Unknown function \`$${name}\`${suggestion ? ` (did you mean \`$${suggestion}\`?)` : ''}`;
}

function closestFunction(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of JSONATA_FUNCTIONS) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}
