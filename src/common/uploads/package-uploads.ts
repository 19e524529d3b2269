import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CredentialCheck } from '../auth/credential-check.js';
import { problemOf } from '../errors/problem.filter.js';
import { hasBody, isDocumentType, mediaTypeOf, PACKAGE_TYPES } from './media-types.js';

/** Plugin packages may be larger than any JSON body. */
export const PACKAGE_BODY_LIMIT = 40 * 1024 * 1024;

/** The route that takes plugin packages: the only one that accepts their content types and size. */
export const AcceptsPackages = () => RouteConfig({ acceptsPackages: true });

const isPackage = (request: FastifyRequest) => PACKAGE_TYPES.includes(mediaTypeOf(request));

/** Answers before the body is read, and closes the connection so that the rest of it is not read either. */
function refuse(request: FastifyRequest, reply: FastifyReply, status: number, code: string, detail: string): FastifyReply {
  return reply
    .code(status)
    .header('connection', 'close')
    .header('content-type', 'application/problem+json')
    .send(problemOf(status, detail, { code, instance: request.url.split('?')[0] }));
}

/**
 * Package bodies, up to PACKAGE_BODY_LIMIT, only on routes marked `@AcceptsPackages()`, and only
 * once the credential was checked: the check runs before the body is parsed (Fastify's
 * `preParsing`), so an unauthenticated upload is refused with 401 without being read. Other routes
 * take JSON or YAML only and refuse any other body at once (415), rather than parsing it as text
 * and answering that the body has the wrong shape. Call before the routes are registered.
 */
export function gatePackageUploads(fastify: FastifyInstance, credentials: () => CredentialCheck): void {
  fastify.addContentTypeParser(PACKAGE_TYPES, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  fastify.addHook('onRoute', (route) => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it: the route's config type does not declare our key
    if ((route.config as { acceptsPackages?: boolean } | undefined)?.acceptsPackages) route.bodyLimit = PACKAGE_BODY_LIMIT;
  });
  fastify.addHook('preParsing', async (request, reply, payload) => {
    const acceptsPackages = (request.routeOptions?.config as { acceptsPackages?: boolean } | undefined)?.acceptsPackages === true;
    if (!acceptsPackages) {
      if (isPackage(request))
        return refuse(
          request,
          reply,
          415,
          'unsupported_media_type',
          'Only POST /v1/plugins takes application/octet-stream or application/gzip bodies',
        );
      if (hasBody(request) && !isDocumentType(mediaTypeOf(request)))
        return refuse(
          request,
          reply,
          415,
          'unsupported_media_type',
          `Bodies are JSON (application/json) or YAML (application/yaml), not ${mediaTypeOf(request) || 'a body without a Content-Type'}`,
        );
      return payload;
    }
    if (!isPackage(request))
      return refuse(
        request,
        reply,
        415,
        'unsupported_media_type',
        'A plugin package is sent as application/octet-stream (or application/gzip)',
      );
    if (!(await credentials().authenticate(request.headers.authorization))) {
      return refuse(
        request,
        reply,
        401,
        'unauthorized',
        'Publishing a package needs a valid credential (Authorization: Bearer <API key or session>)',
      );
    }
    return payload;
  });
}
