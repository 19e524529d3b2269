import createClient from 'openapi-fetch';
import { session } from '../auth/session';
import { ApiProblem } from './problem';
import type { paths } from './schema';

/**
 * The typed API client: paths, parameters and bodies come from the API's own /openapi.json
 * (client/src/schema.gen.ts, checked against the API by npm test), so a contract change breaks this build, not users.
 */
export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? '',
  // Looked up per call, not captured once: tests put msw's fetch in place after this module loads.
  fetch: (request) => globalThis.fetch(request),
});

/** Called when the API refuses the session (expired, or ended by a password change): the app sends the user to sign in and back. */
let onSessionRefused: () => void = () => undefined;
export function whenSessionRefused(handler: () => void): void {
  onSessionRefused = handler;
}

api.use({
  onRequest({ request }) {
    const token = session.token();
    if (token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && request.headers.has('authorization') && session.token()) {
      session.end();
      onSessionRefused();
    }
    return response;
  },
});

/** The data of a successful answer, or an ApiProblem carrying the problem+json body. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const body =
    error && typeof error === 'object'
      ? (error as Record<string, unknown>)
      : { detail: typeof error === 'string' && error ? error : response.statusText };
  throw new ApiProblem(response.status, body);
}
