import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BatonError, type FieldProblem } from './baton-error.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code?: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The code of a problem that has no more precise one: what the status says, in words a client can switch on. */
const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'content_too_large',
  415: 'unsupported_media_type',
  422: 'invalid_input',
  429: 'rate_limited',
  500: 'internal_error',
  503: 'unavailable',
};

/** Every problem has a code, and its type is `urn:baton:problem:<code>`. */
export function problemOf(status: number, detail?: string, extra: Partial<Problem> = {}): Problem {
  const code = extra.code ?? STATUS_CODES[status] ?? (status < 500 ? 'bad_request' : 'internal_error');
  return {
    type: `urn:baton:problem:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    ...(detail ? { detail } : {}),
    ...extra,
    code,
  };
}

/** Fastify's own request errors (body parsing, size, media type), each with a code and a message that says what to send. */
const FASTIFY_ERRORS: Record<string, { code: string; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'content_too_large', detail: 'The request body is larger than the limit' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_json', detail: 'The body is empty; send a JSON object (or no Content-Type)' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid_json', detail: 'The body is not valid JSON' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    detail: 'Bodies are JSON (application/json) or YAML (application/yaml)',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'bad_request', detail: 'The Content-Length does not match the body' },
};

/** Maps Fastify's own request errors to a status and a safe message (Nest hands them over wrapped in an HttpException). */
function fromFastifyError(exception: unknown): Problem | undefined {
  const error = exception instanceof HttpException ? exception.cause : exception;
  if (!(error instanceof Error)) return undefined;
  const { code, statusCode } = error as Error & { code?: string; statusCode?: number };
  if (!code?.startsWith('FST_')) return undefined;
  const status = statusCode && statusCode < 500 ? statusCode : 400;
  const known = FASTIFY_ERRORS[code];
  return known ? problemOf(status, known.detail, { code: known.code }) : problemOf(status, error.message);
}

/** The one place errors become RFC 9457 problem+json; nothing else leaks (no stack traces). */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const { problem, headers } = this.toProblem(exception);
    problem.instance = request.url?.split('?')[0];
    if (problem.status >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    reply
      .status(problem.status)
      .headers({ ...headers, 'content-type': 'application/problem+json' })
      .send(problem);
  }

  toProblem(exception: unknown): { problem: Problem; headers?: Record<string, string> } {
    if (exception instanceof BatonError) {
      return {
        problem: problemOf(exception.status, exception.message, {
          ...exception.extensions,
          code: exception.code,
          ...(exception.errors ? { errors: exception.errors } : {}),
        }),
        headers: exception.headers,
      };
    }
    const fastify = fromFastifyError(exception);
    if (fastify) return { problem: fastify };
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      const message = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? exception.message);
      return {
        problem: problemOf(
          exception.getStatus(),
          Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : JSON.stringify(message),
        ),
      };
    }
    return { problem: problemOf(500, 'An unexpected error occurred') };
  }
}
