import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { BatonApiError } from './problem.js';
import type { paths } from './schema.gen.js';

export { BatonApiError } from './problem.js';

export type { components, operations, paths } from './schema.gen.js';
export { followEvents, type StreamedEvent } from './events.js';

export interface BatonClientOptions {
  /** Where the API is, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** A session token or an API key (`bk_…`); sent as `Authorization: Bearer`. */
  token?: string;
  /** Sent as `User-Agent`, to tell callers apart in the API's logs. */
  userAgent?: string;
  fetch?: typeof globalThis.fetch;
}

export type BatonClient = Client<paths>;

/** The typed client: every path, parameter, body and answer of /openapi.json, checked by the compiler. */
export function createBatonClient(options: BatonClientOptions): BatonClient {
  const client = createClient<paths>({ baseUrl: options.url.replace(/\/+$/, ''), fetch: options.fetch });
  const credentials: Middleware = {
    onRequest({ request }) {
      if (options.token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${options.token}`);
      if (options.userAgent) request.headers.set('user-agent', options.userAgent);
      return request;
    },
  };
  client.use(credentials);
  return client;
}

/** The data of a successful answer; a problem answer throws a BatonApiError. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const problem =
    error && typeof error === 'object'
      ? (error as Record<string, unknown>)
      : { detail: typeof error === 'string' && error ? error : response.statusText };
  throw new BatonApiError(response.status, problem);
}

/**
 * A pipeline definition sent as the YAML it was written in: only a YAML body gets each problem's
 * `line` and `column` back. The OpenAPI document declares definition bodies as JSON objects, so the
 * text goes through openapi-fetch's escape hatches (an identity serializer and the content type).
 */
export function yamlBody(yaml: string) {
  return {
    body: yaml as never,
    bodySerializer: (body: unknown) => body as string,
    headers: { 'content-type': 'application/yaml' },
  };
}
