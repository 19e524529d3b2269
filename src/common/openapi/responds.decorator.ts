import { ApiResponse } from '@nestjs/swagger';
import type { z } from 'zod';
import { jsonSchemaOf } from '../validation/zod.js';

export const JSON_MEDIA_TYPE = 'application/json';
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
const DECLARED_RESPONSES = 'baton:declared-responses';

/** A response a route declares: its status, its media type and (for JSON) the zod schema of its body. */
export interface DeclaredResponse {
  status: number;
  mediaType: string;
  schema?: z.ZodType;
  description: string;
}

const REASONS: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No content' };

export function declaredResponses(handler: object): DeclaredResponse[] {
  return (Reflect.getMetadata(DECLARED_RESPONSES, handler) as DeclaredResponse[] | undefined) ?? [];
}

/**
 * A success response and its body: `@Responds(200, RunView)`, `@Responds(204)`, or another media
 * type, `@Responds(200, z.string(), { mediaType: 'text/event-stream' })`. Documented in OpenAPI
 * from the zod schema, and checked against what the route returns when BATON_VALIDATE_RESPONSES is on.
 * Several media types of one status (JSON, or a stream) are one OpenAPI response.
 */
export function Responds(status: number, schema?: z.ZodType, options: { mediaType?: string; description?: string } = {}): MethodDecorator {
  return (target, key, descriptor) => {
    const handler = descriptor.value as object;
    const declared: DeclaredResponse = {
      status,
      mediaType: options.mediaType ?? JSON_MEDIA_TYPE,
      schema,
      description: options.description ?? schema?.description ?? REASONS[status] ?? 'Success',
    };
    const all = [...declaredResponses(handler), declared];
    Reflect.defineMetadata(DECLARED_RESPONSES, all, handler);
    const sameStatus = all.filter((response) => response.status === status);
    const content = Object.fromEntries(
      sameStatus
        .filter((response) => response.schema)
        .map((response) => [response.mediaType, { schema: jsonSchemaOf(response.schema!, 'output') }]),
    );
    // Swagger joins the descriptions of one status: add only what is new.
    const known = new Set(sameStatus.slice(0, -1).map((r) => r.description));
    const response = {
      status,
      description: known.has(declared.description) ? '' : declared.description,
      ...(Object.keys(content).length ? { content } : {}),
    };
    ApiResponse(response as never)(target, key, descriptor);
  };
}

/** A problem (`application/problem+json`) a route answers besides those every route of its kind may (see openapi-document.ts). */
export function Fails(status: number, description: string): MethodDecorator {
  return ApiResponse({ status, description });
}
