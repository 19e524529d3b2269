import jsonata from 'jsonata';
import { z } from 'zod';
import { defineStep, jsonataExpression, StepError } from '../../sdk/src/index.js';

const DEFAULT_TIMEOUT_MS = 5_000;
const MAX_TIMEOUT_MS = 60_000;
const MAX_DEPTH = 500;
const TIMEOUT_ERROR_CODE = 'D1012';

const jsonValue = z.json();
type JsonValue = z.infer<typeof jsonValue>;

export interface JsonataError {
  code?: string;
  message?: string;
  position?: number;
}

export const jsonataStep = defineStep({
  id: 'jsonata',
  title: 'Transform JSON with JSONata',
  description: 'Evaluates a JSONata expression (https://jsonata.org) against `data`. No match gives `result: null`.',
  input: z.strictObject({
    expression: jsonataExpression(),
    data: jsonValue.optional(),
    timeoutMs: z.number().int().min(1).max(MAX_TIMEOUT_MS).default(DEFAULT_TIMEOUT_MS),
  }),
  output: z.strictObject({ result: jsonValue.nullable() }),
  async run({ expression, data, timeoutMs }) {
    try {
      // jsonata's own guard checks elapsed time and depth on every evaluation step.
      const result = (await jsonata(expression, { timeout: timeoutMs, stack: MAX_DEPTH }).evaluate(data)) as JsonValue | undefined;
      return { result: result ?? null };
    } catch (error) {
      throw toStepError(error as JsonataError);
    }
  },
});

export function toStepError(error: JsonataError): StepError {
  const where = error.position === undefined ? '' : ` at position ${error.position}`;
  const timedOut = error.code === TIMEOUT_ERROR_CODE;
  // The same expression on the same data fails the same way, so a retry cannot help.
  return new StepError(`jsonata ${error.code ?? 'error'}${where}: ${error.message ?? JSON.stringify(error)}`, {
    retryable: false,
    code: timedOut ? 'expression_timeout' : 'expression_error',
    cause: error,
  });
}
