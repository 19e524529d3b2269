import { z } from 'zod';

/** The JSON Schema mark of a field holding a JSONata expression the step evaluates itself. */
export const JSONATA_EXPRESSION_META = { 'x-baton-expression': 'jsonata' } as const;

/**
 * A step input field holding a JSONata expression the step evaluates itself, e.g.
 * `expression: jsonataExpression()`. Baton compiles the literal values pipelines write in such
 * fields when they are saved, so that a syntax error or an unknown function is reported then, with
 * its position, rather than when a run reaches the step.
 */
export function jsonataExpression<T extends z.ZodType<string>>(schema?: T): T {
  // Metadata belongs to one schema instance: set it last, on the schema the field uses.
  return (schema ?? z.string().min(1)).meta(JSONATA_EXPRESSION_META) as T;
}
