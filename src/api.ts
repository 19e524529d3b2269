import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import { AuditService } from './audit/audit.service.js';
import { CredentialCheck } from './common/auth/credential-check.js';
import { serveConsole } from './console/console-pages.js';
import { RequestValidationError } from './common/errors/baton-error.js';
import { createOpenApiDocument } from './common/openapi/openapi-document.js';
import { ResponseValidationInterceptor } from './common/openapi/response-validation.interceptor.js';
import { YAML_TYPES } from './common/uploads/media-types.js';
import { parseYamlBody } from './common/validation/yaml-body.js';
import { gatePackageUploads } from './common/uploads/package-uploads.js';
import type { RuntimeConfig } from './runtime/config/runtime-config.js';
import { createLogger } from './runtime/logging/logger.js';
import { NestPinoLogger } from './logging/nest-logger.js';
import { answerRequestId, fastifyLogging } from './logging/request-logging.js';
import { traceRequests } from './telemetry/request-tracing.js';

/** Builds the control-plane HTTP app (not yet listening). */
export async function createApi(config: RuntimeConfig): Promise<NestFastifyApplication> {
  const logger = createLogger('api', config);
  // The client address (rate limits of public routes, the audit log) is the peer's, unless TRUST_PROXY names the proxies in front.
  const hops = config.TRUST_PROXY;
  const trustProxy = typeof hops === 'number' ? (_address: string, hop: number) => hop < hops : hops;
  const adapter = new FastifyAdapter({ bodyLimit: config.BODY_LIMIT_BYTES, trustProxy, ...fastifyLogging(logger) });
  answerRequestId(adapter.getInstance());
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT) traceRequests(adapter.getInstance());
  adapter.getInstance().addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseYamlBody(body as string));
    } catch (error) {
      done(
        new RequestValidationError([{ path: '(body)', message: `Invalid YAML: ${(error as Error).message.split('\n')[0]}` }]),
        undefined,
      );
    }
  });
  if (!serveConsole(adapter.getInstance())) logger.warn('The web console is not built (npm run build): / answers 404');
  // The gate asks for credentials only once requests come, when the app exists.
  gatePackageUploads(adapter.getInstance(), () => app.get(CredentialCheck));
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new NestPinoLogger(logger),
    bufferLogs: false,
    // Stripe signs the exact bytes it sent: the webhook verifies those, not re-serialised JSON.
    rawBody: true,
  });
  // Fastify's onSend sees the final status, after Nest's guards, handlers and problem filter.
  const audit = app.get(AuditService);
  adapter.getInstance().addHook('onSend', async (request, reply, payload) => {
    await audit.recordCall(request, reply.statusCode);
    return payload;
  });
  if (config.BATON_VALIDATE_RESPONSES) app.useGlobalInterceptors(new ResponseValidationInterceptor());
  SwaggerModule.setup('docs', app, createOpenApiDocument(app), { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  return app;
}

/**
 * The OpenAPI document without PostgreSQL or Temporal (`baton openapi`): in preview mode Nest reads
 * the modules and controllers but creates no provider, which is all the document needs.
 */
export async function describeApi(config: RuntimeConfig): Promise<OpenAPIObject> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), new FastifyAdapter(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return createOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
