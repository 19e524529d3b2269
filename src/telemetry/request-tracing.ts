import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * A server span per API request, continuing the caller's `traceparent` when it sends one. Nest's
 * guards and handler run inside it, so a run started by the request starts its workflow in it.
 */
export function traceRequests(fastify: FastifyInstance): void {
  const tracer = trace.getTracer('baton-api');
  const contexts = new WeakMap<FastifyRequest, Context>();
  /** Once: a request that is aborted may still get its onResponse. */
  const takeSpan = (request: FastifyRequest) => {
    const span = trace.getSpan(contexts.get(request) ?? ROOT_CONTEXT);
    contexts.delete(request);
    return span;
  };
  fastify.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'url.path': request.url.split('?')[0], 'url.scheme': request.protocol },
      },
      parent,
    );
    contexts.set(request, trace.setSpan(parent, span));
    done();
  });
  // Entered just before the handler, once the body is read: nothing in between has to carry it.
  fastify.addHook('preHandler', (request, _reply, done) => {
    const entered = contexts.get(request);
    if (entered) context.with(entered, done);
    else done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const span = takeSpan(request);
    if (span) {
      const route = request.routeOptions.url;
      if (route) span.updateName(`${request.method} ${route}`).setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    takeSpan(request)?.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the connection' }).end();
    done();
  });
}
