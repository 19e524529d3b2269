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

export function problemOf(status: number, detail?: string, extra: Partial<Problem> = {}): Problem {
  return {
    type: extra.code ? `urn:baton:problem:${extra.code}` : 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    ...(detail ? { detail } : {}),
    ...extra,
  };
}

/** Maps Fastify's own request errors (body parsing, size) to a status and a safe message. */
function fromFastifyError(error: { code?: string; statusCode?: number; message: string }): Problem | undefined {
  if (!error.code?.startsWith('FST_')) return undefined;
  const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
  const detail = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'The request body is larger than the limit' : error.message;
  return problemOf(status, detail, { code: error.code.toLowerCase() });
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
    const fastify = exception instanceof Error ? fromFastifyError(exception) : undefined;
    if (fastify) return { problem: fastify };
    return { problem: problemOf(500, 'An unexpected error occurred') };
  }
}
