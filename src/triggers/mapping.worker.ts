/**
 * Runs a trigger's JSONata mapping in a worker thread (see trigger-mappings.ts). The expression has
 * its counted budget and RE2 here too; the thread is what the API can kill when anything still
 * takes too long.
 */
import type jsonata from 'jsonata';
import { compileBounded, evaluateWithBudget, ExpressionBudgetError } from '../../workers/contracts/expressions/budget.js';
import { currentThreadId } from './thread-cpu.js';
import type { MappingOutcome, MappingTask } from './trigger-mappings.js';

const MAX_DEPTH = 200;
const THREAD_ID = currentThreadId() ?? null;
const compiled = new Map<string, jsonata.Expression>();

export default async function evaluateMapping({ expression, context, started }: MappingTask): Promise<MappingOutcome> {
  started.postMessage(THREAD_ID);
  started.close();
  try {
    let compiledExpression = compiled.get(expression);
    if (!compiledExpression) {
      compiledExpression = compileBounded(expression, MAX_DEPTH);
      if (compiled.size >= 100) compiled.delete(compiled.keys().next().value!);
      compiled.set(expression, compiledExpression);
    }
    const value = await evaluateWithBudget(compiledExpression, context);
    // Only JSON leaves the thread: JSONata sequences and functions do not survive a structured clone.
    return { ok: true, value: value === undefined ? undefined : JSON.parse(JSON.stringify(value)) };
  } catch (error) {
    const message = error && typeof error === 'object' && 'message' in error ? String(error.message) : String(error);
    return { ok: false, budgetExceeded: error instanceof ExpressionBudgetError, message };
  }
}
