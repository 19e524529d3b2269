import { StepError } from './step-error.js';

/** One HTTP exchange as it crosses from the sandbox to the worker's egress broker. */
export interface HttpExchange {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  body?: Uint8Array;
}

export type HttpResult =
  | { ok: true; url: string; status: number; statusText: string; headers: Array<[string, string]>; body: Uint8Array }
  /** `errno`: the system error of a failed connection (`ECONNREFUSED`, `ENOTFOUND`…). */
  | { ok: false; code: 'egress_denied' | 'request_failed'; message: string; errno?: string };

export type HttpTransport = (request: HttpExchange, signal: AbortSignal) => Promise<HttpResult>;

/** `ctx.fetch`: the WHATWG `fetch` signature, answered by whoever carries the exchange. */
export type StepFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Statuses whose response has no body, which `new Response` insists on. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export function createStepFetch(transport: HttpTransport, stepSignal: AbortSignal): StepFetch {
  return async (input, init) => {
    // A Request normalises what fetch accepts (string or binary bodies, header objects or pairs).
    const request = new Request(input, { ...init, redirect: 'manual' });
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const signal = init?.signal ? AbortSignal.any([stepSignal, init.signal]) : stepSignal;
    const result = await transport(
      { url: request.url, method: request.method, headers: [...request.headers], ...(body === undefined ? {} : { body }) },
      signal,
    );
    // A refused host stays refused on every attempt: not retryable.
    if (!result.ok && result.code === 'egress_denied') throw new StepError(result.message, { retryable: false, code: result.code });
    // A failed connection fails as `fetch` does, so code written for fetch handles it unchanged.
    if (!result.ok) throw new TypeError('fetch failed', { cause: Object.assign(new Error(result.message), { code: result.errno }) });
    const response = new Response(NULL_BODY_STATUSES.has(result.status) ? null : result.body, {
      status: result.status,
      statusText: result.statusText,
      headers: result.headers,
    });
    Object.defineProperty(response, 'url', { value: result.url });
    return response;
  };
}
