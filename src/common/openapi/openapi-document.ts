import type { INestApplication } from '@nestjs/common';
import type { NestContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type OperationObject, type ResponseObject } from '@nestjs/swagger';
import { ProblemSchema } from '../errors/problem.schema.js';
import { jsonSchemaOf } from '../validation/zod.js';
import { PROBLEM_MEDIA_TYPE } from './responds.decorator.js';

/** The feature tags, in the order a reader meets them. */
const TAGS: Record<string, string> = {
  accounts: 'Sign-up, sign-in, the signed-in account, e-mail proof and passwords',
  members: 'The people of a tenant, their roles and invitations',
  'api-keys': 'Keys for scripts and CI, each with a role',
  pipelines: 'Pipeline definitions and their versions (GitOps apply)',
  runs: 'Runs of pipelines: start, follow (events, logs), cancel, retry, approve',
  schedules: 'Runs started on a cron expression or an interval',
  triggers: 'Runs started by a signed webhook, another run finishing, or an event',
  secrets: 'Encrypted values pipelines read as `${{ secrets.NAME }}`',
  plugins: 'The plugin catalogue, publishing, and what each tenant enables',
  models: 'The model registry: versions, metrics, stages',
  observability: 'Run and step statistics, and dataset lineage',
  alerts: 'Alerts and the notification channels they are delivered to',
  audit: "The tenant's audit log",
  billing: 'Plans, subscription, usage and Stripe',
  admin: "The installation operator's tenant administration",
  health: 'Liveness and readiness',
  metrics: 'Prometheus metrics',
};

/** What every route of a kind may answer besides what it declares (statuses of `ProblemFilter` and the guards). */
const PROBLEMS: Record<number, string> = {
  400: 'The request is not valid (`invalid_request`, `invalid_json`, …); `errors` names each field',
  401: 'Missing or invalid credential',
  403: 'Not allowed (a role too low, a suspended tenant, a plan that does not include it, …)',
  404: 'Not found',
  413: 'The body is larger than the limit (`content_too_large`)',
  415: 'Bodies are JSON (application/json) or YAML (application/yaml) (`unsupported_media_type`)',
  429: 'Too many requests (`rate_limited`) or a plan limit counted over time; see `Retry-After`',
  500: 'An unexpected error (`internal_error`); the details are in the log',
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** What the document cannot tell about a route: whether the rate limiter applies to it. */
interface RouteFacts {
  rateLimited: boolean;
}

/**
 * The control plane's OpenAPI document: Swagger's scan of the controllers (their `@Responds`,
 * `@ValidBody`, … decorators), completed with the problems each operation may answer.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Baton API')
    .setDescription('The control plane of Baton. Errors are problem+json (RFC 9457) with a `code`.')
    .setVersion('1')
    .setOpenAPIVersion('3.1.0')
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer('/', 'This installation')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Session JWT or API key (bk_...)' });
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  return completeProblems(SwaggerModule.createDocument(app, builder.build()), routeFacts(app));
}

/** Per operation id (Swagger's `<Controller>_<method>`), the facts read from the route's metadata. */
function routeFacts(app: INestApplication): Map<string, RouteFacts> {
  // Swagger reads the controllers from the container the same way (swagger-scanner.js).
  const { container } = app as unknown as { container: NestContainer };
  const facts = new Map<string, RouteFacts>();
  for (const module of container.getModules().values()) {
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function') continue;
      for (const name of Object.getOwnPropertyNames(metatype.prototype)) {
        const handler = (metatype.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const skipped = Reflect.getMetadata('THROTTLER:SKIPdefault', handler) ?? Reflect.getMetadata('THROTTLER:SKIPdefault', metatype);
        facts.set(`${metatype.name}_${name}`, { rateLimited: skipped !== true });
      }
    }
  }
  return facts;
}

/** Every operation: public ones say so (`security: []`), and every 4xx/5xx answer is a `Problem`. */
export function completeProblems(document: OpenAPIObject, facts: Map<string, RouteFacts>): OpenAPIObject {
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, Problem: jsonSchemaOf(ProblemSchema, 'output') },
  };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation) completeOperation(path, operation, facts.get(operation.operationId ?? ''));
    }
  }
  return document;
}

function completeOperation(path: string, operation: OperationObject, facts: RouteFacts | undefined): void {
  operation.security ??= [];
  const statuses = new Set<number>([500]);
  if (operation.parameters?.length || operation.requestBody) statuses.add(400);
  if (operation.security.length) statuses.add(401);
  if (path.includes('{')) statuses.add(404);
  if (operation.requestBody) [413, 415].forEach((status) => statuses.add(status));
  if (facts?.rateLimited ?? true) statuses.add(429);
  const responses = operation.responses as Record<string, ResponseObject>;
  for (const status of statuses) responses[status] ??= { description: PROBLEMS[status] };
  for (const [status, response] of Object.entries(responses)) {
    if (Number(status) < 400) continue;
    response.description ||= PROBLEMS[Number(status)] ?? 'A problem';
    response.content = { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } };
  }
  operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}
