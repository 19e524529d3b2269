import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build` writes the console (web/ built by Vite), next to the compiled API. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../web', import.meta.url));

/** Paths the console never answers: the API's own, so that an unknown one stays a problem+json 404. */
const API_PATHS = ['/v1', '/docs', '/openapi.json', '/openapi.yaml', '/metrics', '/healthz', '/readyz', '/assets'];

const NONCE_PLACEHOLDER = /__BATON_CSP_NONCE__/g;

/**
 * The page's policy: scripts and styles only from this origin or carrying this answer's nonce
 * (the component kit and the editor add style elements at run time with it), no framing, no
 * plugins, calls only to this API. Nothing inline runs without the nonce.
 */
export function consoleContentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function isApiPath(url: string): boolean {
  const path = url.split('?')[0];
  return API_PATHS.some((reserved) => path === reserved || path.startsWith(`${reserved}/`));
}

/**
 * Serves the web console at `/`: its hashed assets under /assets (cached for good), and its one
 * page for every other GET outside the API (history fallback), each answer with a fresh CSP nonce.
 * Returns false when the console was not built (the API works without it).
 */
export function serveConsole(fastify: FastifyInstance, directory = CONSOLE_DIR): boolean {
  const indexFile = join(directory, 'index.html');
  if (!existsSync(indexFile)) return false;
  const page = readFileSync(indexFile, 'utf8');

  void fastify.register(fastifyStatic, {
    root: join(directory, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    immutable: true,
    maxAge: '365d',
  });

  const answerPage = async (request: FastifyRequest, reply: FastifyReply) => {
    if (isApiPath(request.url)) return reply.callNotFound();
    const nonce = randomBytes(16).toString('base64');
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', consoleContentSecurityPolicy(nonce))
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'same-origin')
      .header('x-content-type-options', 'nosniff')
      .header('cross-origin-opener-policy', 'same-origin')
      .send(page.replace(NONCE_PLACEHOLDER, nonce));
  };
  fastify.get('/', answerPage);
  fastify.get('/*', answerPage);
  return true;
}
