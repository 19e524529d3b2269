import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Principal } from '../common/auth/principal.js';
import type { Logger } from '../runtime/logging/logger.js';

const REQUEST_ID = /^[\w.:@-]{1,128}$/;
/** Probed every few seconds by orchestrators: logged at debug, not info. */
const PROBES = new Set(['/healthz', '/readyz']);

/**
 * One line per request when its response has gone: method, route pattern (never the URL, whose
 * query may carry anything), status, duration and, once authenticated, the tenant. Headers and
 * bodies are never logged. Fastify's other lines (errors it handles itself) stay as they are.
 */
class RequestLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions.url;
    const principal = (request as { user?: Principal }).user;
    const fields = {
      method: request.method,
      route: route ?? null,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      ...(principal?.tenantId ? { tenantId: principal.tenantId, principal: principal.kind } : {}),
      ...(error ? { err: error } : {}),
    };
    if (route && PROBES.has(route) && !error) request.log.debug(fields, 'request completed');
    else if (error || reply.statusCode >= 500) request.log.error(fields, 'request completed');
    else request.log.info(fields, 'request completed');
  }
}

/** Fastify writes with the process's pino logger; its per-request child carries `requestId`. */
export function fastifyLogging(logger: Logger): Pick<FastifyServerOptions, 'loggerInstance' | 'logController' | 'genReqId'> {
  return {
    loggerInstance: logger.child({ context: 'http' }),
    logController: new RequestLogController(),
    // A caller's (or a proxy's) X-Request-Id is kept when it is a plain token, so its logs and ours line up.
    genReqId: (request: IncomingMessage) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  };
}

/** The request id the line was logged with goes back as `X-Request-Id`, for reports and support. */
export function answerRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
}
