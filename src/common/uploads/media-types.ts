import type { FastifyRequest } from 'fastify';

/** Plugin packages (`POST /v1/plugins`) arrive as bytes. */
export const PACKAGE_TYPES = ['application/octet-stream', 'application/gzip'];
/** Pipelines and other documents may be sent as YAML as well as JSON. */
export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

/** The request's media type, without parameters, in lower case ('' when none is given). */
export const mediaTypeOf = (request: FastifyRequest): string =>
  String(request.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();

/** JSON (`application/json`, `application/*+json`) or YAML: the bodies every route but the package upload takes. */
export const isDocumentType = (type: string): boolean =>
  type === 'application/json' || /^application\/[\w.-]+\+json$/.test(type) || YAML_TYPES.includes(type);

/** Whether the request carries a body at all (a GET with a stray content type does not). */
export const hasBody = (request: FastifyRequest): boolean =>
  request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
