import { Body, Param, Query, type PipeTransform } from '@nestjs/common';
import { ApiBody, ApiParam, ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';
import { isDuration } from '../../../workers/contracts/duration.js';
import { RequestValidationError, type FieldProblem } from '../errors/baton-error.js';
import { zodIssueMessage } from './problem-messages.js';

/** `a.b[2].c` from a zod issue path. */
export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}

export function zodProblems(error: z.ZodError, prefix = ''): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key], prefix), message: 'Unknown field' }));
    }
    return [{ path: formatPath(issue.path, prefix) || prefix || '(body)', message: zodIssueMessage(issue) }];
  });
}

/** The JSON Schema of what a client sends (`input`) or receives (`output`). */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

class ZodPipe<S extends z.ZodType> implements PipeTransform {
  constructor(
    private readonly schema: S,
    private readonly prefix: string,
  ) {}
  transform(value: unknown): z.output<S> {
    const parsed = this.schema.safeParse(value);
    if (!parsed.success) throw new RequestValidationError(zodProblems(parsed.error, this.prefix));
    return parsed.data;
  }
}

function documentOnMethod(target: object, key: string | symbol | undefined, decorate: MethodDecorator): void {
  if (key === undefined) return;
  reflectAsPlainObject(target, key);
  const descriptor = Object.getOwnPropertyDescriptor(target, key)!;
  decorate(target, key, descriptor);
}

/**
 * The schema documents a validated parameter, not its reflected type. SWC (which compiles the specs)
 * reflects a type named like its schema constant as that zod object, where tsc reflects `Object`;
 * Swagger would read the zod object as a class.
 */
function reflectAsPlainObject(target: object, key: string | symbol): void {
  const types = Reflect.getMetadata('design:paramtypes', target, key) as unknown[] | undefined;
  types?.forEach((type, index) => {
    if (type !== undefined && typeof type !== 'function') types[index] = Object;
  });
}

/** The body, validated by a zod schema (unknown fields rejected) and documented in OpenAPI. */
export function ValidBody(schema: z.ZodType): ParameterDecorator {
  return (target, key, index) => {
    Body(new ZodPipe(schema, ''))(target, key, index);
    documentOnMethod(target, key, ApiBody({ schema: jsonSchemaOf(schema) as never }));
  };
}

/** Query parameters as one validated object. */
export function ValidQuery(schema: z.ZodObject): ParameterDecorator {
  return (target, key, index) => {
    Query(new ZodPipe(schema, 'query'))(target, key, index);
    for (const [name, field] of Object.entries(schema.shape)) {
      documentOnMethod(
        target,
        key,
        ApiQuery({ name, required: !(field as z.ZodType).safeParse(undefined).success, schema: jsonSchemaOf(field as z.ZodType) as never }),
      );
    }
  };
}

/** One path parameter, validated. */
export function ValidParam(name: string, schema: z.ZodType): ParameterDecorator {
  return (target, key, index) => {
    Param(name, new ZodPipe(schema, name))(target, key, index);
    documentOnMethod(target, key, ApiParam({ name, schema: jsonSchemaOf(schema) }));
  };
}

export const uuidParam = z.uuid({ message: 'Must be a UUID' });

/** A duration as pipelines write them (`30s`, `15m`, `1h30m`, `7d`), kept as text. */
export const durationField = z.string().max(32).refine(isDuration, { error: 'Must be a duration such as 30s, 15m, 1h30m or 7d' });
