/**
 * Step input fields a plugin declares to hold an expression it evaluates itself, such as
 * `transform/jsonata`'s `expression`: `x-baton-expression: jsonata` in its input schema (the SDK's
 * `jsonataExpression()` writes it). The control plane compiles literal values of such fields when
 * a pipeline is saved, so that a syntax error or an unknown function is reported then, not mid-run.
 */
import { fieldMarks } from './secret-fields.js';

export const EXPRESSION_MARK = 'x-baton-expression';
export const EXPRESSION_LANGUAGES = ['jsonata'] as const;
export type ExpressionLanguage = (typeof EXPRESSION_LANGUAGES)[number];

export interface ExpressionField {
  path: Array<string | number>;
  source: string;
  language: ExpressionLanguage;
}

/** The literal strings in `input` that `schema` marks as expressions, with their paths. */
export function expressionFields(schema: unknown, input: unknown, path: Array<string | number> = []): ExpressionField[] {
  if (typeof input === 'string') {
    const language = fieldMarks(schema, path, EXPRESSION_MARK).find((mark): mark is ExpressionLanguage =>
      (EXPRESSION_LANGUAGES as readonly unknown[]).includes(mark),
    );
    return language ? [{ path, source: input, language }] : [];
  }
  if (Array.isArray(input)) return input.flatMap((item, index) => expressionFields(schema, item, [...path, index]));
  if (input !== null && typeof input === 'object')
    return Object.entries(input).flatMap(([key, value]) => expressionFields(schema, value, [...path, key]));
  return [];
}
