/**
 * Templates: strings that may contain `${{ … }}`, split into literal text and expression sources. *
 * Deterministic: imported by the workflow bundle. No Node APIs, no clocks, no randomness of its own.
 */

import { ExpressionError } from './errors.js';

export const OPEN = '${{';
const CLOSE = '}}';

export type TemplateSegment = { kind: 'text'; text: string } | { kind: 'expression'; source: string };

export type Template =
  | { kind: 'literal'; text: string }
  /** The whole string (surrounding whitespace aside) is one expression: its value keeps its JSON type. */
  | { kind: 'whole'; source: string }
  | { kind: 'interpolated'; segments: TemplateSegment[] };

/** Splits `text` into literal text and expression sources (trimmed). Throws on an unclosed `${{`. */
export function parseTemplate(text: string): Template {
  return parseTemplateWithOffsets(text).template;
}

/**
 * parseTemplate, and where each expression source starts in `text` (0-based, in order), so that a
 * problem at a character of an expression can be placed in the whole string.
 */
export function parseTemplateWithOffsets(text: string): { template: Template; starts: number[] } {
  const segments: TemplateSegment[] = [];
  const starts: number[] = [];
  let cursor = 0;
  while (cursor < text.length) {
    const open = text.indexOf(OPEN, cursor);
    if (open < 0) break;
    const close = findExpressionEnd(text, open + OPEN.length);
    if (close < 0) throw new ExpressionError(`\`${OPEN}\` at character ${open + 1} is not closed by \`${CLOSE}\``);
    if (open > cursor) segments.push({ kind: 'text', text: text.slice(cursor, open) });
    const raw = text.slice(open + OPEN.length, close);
    segments.push({ kind: 'expression', source: raw.trim() });
    starts.push(open + OPEN.length + (raw.length - raw.trimStart().length));
    cursor = close + CLOSE.length;
  }
  if (segments.length === 0) return { template: { kind: 'literal', text }, starts };
  if (cursor < text.length) segments.push({ kind: 'text', text: text.slice(cursor) });
  const expressions = segments.filter((s) => s.kind === 'expression');
  const onlyWhitespaceAround = segments.every((s) => s.kind === 'expression' || s.text.trim() === '');
  if (expressions.length === 1 && onlyWhitespaceAround) return { template: { kind: 'whole', source: expressions[0].source }, starts };
  return { template: { kind: 'interpolated', segments }, starts };
}

export function containsExpression(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(OPEN);
  if (Array.isArray(value)) return value.some(containsExpression);
  if (isPlainObject(value)) return Object.values(value).some(containsExpression);
  return false;
}

/**
 * Index of the `}}` closing an expression that starts at `from`, or -1. Braces of JSONata object
 * constructors, string literals, backtick names and comments may all contain `}}`.
 */
function findExpressionEnd(text: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < text.length) {
    const char = text[i];
    if (char === '"' || char === "'" || char === '`') {
      i = skipQuoted(text, i);
      if (i < 0) return -1;
      continue;
    }
    if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return -1;
      i = end + 2;
      continue;
    }
    if (char === '{') depth++;
    else if (char === '}') {
      if (depth === 0 && text[i + 1] === '}') return i;
      depth = Math.max(0, depth - 1);
    }
    i++;
  }
  return -1;
}

/** Index just past the quoted run starting at `start`, or -1 when it is not terminated. */
export function skipQuoted(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\' && quote !== '`') i++;
    else if (text[i] === quote) return i + 1;
  }
  return -1;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
