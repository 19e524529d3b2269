import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { RequestValidationError, type FieldProblem } from '../errors/baton-error.js';
import { formatPath } from './zod.js';

const MAX_PROBLEMS = 10;
const MESSAGE = 'Must not contain a NUL character (\\u0000), which cannot be stored';

/**
 * Refuses a NUL character (U+0000) anywhere in a request's body, query or path, in a value or a key:
 * PostgreSQL stores none in text or jsonb, so it would otherwise surface as a 500 on whichever
 * insert met it first (a run's inputs, a pipeline, a secret). Runs before every route's own pipes.
 */
@Injectable()
export class NoNulPipe implements PipeTransform {
  transform(value: unknown, { type, data }: ArgumentMetadata): unknown {
    if (type !== 'body' && type !== 'query' && type !== 'param') return value;
    const problems: FieldProblem[] = [];
    collect(value, type === 'param' && data ? [data] : [], problems);
    if (problems.length) throw new RequestValidationError(problems);
    return value;
  }
}

function collect(value: unknown, path: PropertyKey[], problems: FieldProblem[]): void {
  if (problems.length >= MAX_PROBLEMS) return;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) problems.push({ path: formatPath(path) || '(body)', message: MESSAGE });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => collect(item, [...path, index], problems));
  } else if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    // Bytes (a plugin package) are no text: only JSON and YAML bodies reach the database as text.
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) problems.push({ path: formatPath([...path, key.replaceAll('\u0000', '\\u0000')]), message: MESSAGE });
      else collect(item, [...path, key], problems);
    }
  }
}
