import { Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { DECORATORS } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { BatonError } from '../errors/baton-error.js';
import { zodProblems } from '../validation/zod.js';
import { declaredResponses, JSON_MEDIA_TYPE } from './responds.decorator.js';

/**
 * BATON_VALIDATE_RESPONSES=1 (the whole-stack tests): every success answer is checked, as the JSON a
 * client receives, against the schema its route declares with `@Responds`; one that does not match
 * is a 500 naming each difference, so a contract that lies fails a test instead of a client.
 */
export class ResponseValidationInterceptor implements NestInterceptor {
  private readonly logger = new Logger('ResponseValidation');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // Pages outside the API (the HTML of mailed links) have no contract to check.
    if (Reflect.getMetadata(DECORATORS.API_EXCLUDE_CONTROLLER, context.getClass())) return next.handle();
    const declared = declaredResponses(context.getHandler());
    const http = context.switchToHttp();
    return next.handle().pipe(
      map((body: unknown) => {
        const reply = http.getResponse<FastifyReply>();
        // A stream (Server-Sent Events) took the response over and has already sent it.
        if (reply.sent) return body;
        const route = `${http.getRequest<FastifyRequest>().method} ${http.getRequest<FastifyRequest>().routeOptions.url}`;
        const status = reply.statusCode;
        const response = declared.find((candidate) => candidate.status === status);
        if (!response) this.fail(route, `answered ${status}, which it does not declare`);
        else if (status === 204 || response.mediaType !== JSON_MEDIA_TYPE) return body;
        else if (!response.schema) {
          if (body !== undefined && body !== null) this.fail(route, `answered ${status} with a body, and declares none`);
        } else {
          const sent: unknown = body === undefined ? undefined : JSON.parse(JSON.stringify(body));
          const parsed = response.schema.safeParse(sent);
          if (!parsed.success)
            this.fail(route, `answered ${status} with a body its schema does not match`, zodProblems(parsed.error, 'body'));
        }
        return body;
      }),
    );
  }

  private fail(route: string, what: string, errors?: { path: string; message: string }[]): never {
    const detail = `${route} ${what}`;
    this.logger.error(`${detail}${errors ? `: ${JSON.stringify(errors)}` : ''}`);
    throw new BatonError('response_invalid', 500, detail, errors);
  }
}
