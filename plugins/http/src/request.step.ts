import { z } from 'zod';
import { defineStep, secret, StepError } from '../../sdk/src/index.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const MAX_TIMEOUT_MS = 15 * 60 * 1000;
/** The body ends up in the step's outputs, which are capped at 1 MiB anyway. */
const MAX_RESPONSE_BYTES = 1024 * 1024;
const RETRYABLE_CLIENT_STATUSES = new Set([408, 429]);
const BODY_SNIPPET_CHARS = 200;

const jsonValue = z.json();
type JsonValue = z.infer<typeof jsonValue>;

const requestInput = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }),
    method: z.enum(METHODS).default('GET'),
    headers: z.record(z.string(), z.string()).default({}),
    /** Credentials, each a secret field: `auth: { bearer: ${{ secrets.TOKEN }} }` or `{ basic: { username, password } }`. */
    auth: z
      .strictObject({ bearer: secret().optional(), basic: z.strictObject({ username: z.string(), password: secret() }).optional() })
      .refine((auth) => (auth.bearer === undefined) !== (auth.basic === undefined), { message: 'Give either bearer or basic' })
      .optional(),
    /** Headers whose values are secrets (an API key header); sent like `headers`, and win over them. */
    secretHeaders: z.record(z.string(), secret()).default({}),
    /** A string is sent as-is; any other JSON value is sent as `application/json`. */
    body: jsonValue.optional(),
    timeoutMs: z.number().int().min(1).max(MAX_TIMEOUT_MS).optional(),
    /** Fail on 4xx (not retryable, except 408/429) and 5xx (retryable). */
    failOnStatus: z.boolean().default(true),
  })
  .refine((input) => input.body === undefined || (input.method !== 'GET' && input.method !== 'HEAD'), {
    message: 'GET and HEAD requests cannot have a body',
    path: ['body'],
  });
type RequestInput = z.output<typeof requestInput>;

export const requestStep = defineStep({
  id: 'request',
  title: 'HTTP request',
  description: 'Sends one HTTP request. A JSON response body is parsed; any other body is returned as text.',
  input: requestInput,
  output: z.strictObject({ status: z.number().int(), headers: z.record(z.string(), z.string()), body: jsonValue.nullable() }),
  // Any host: the URL comes from the pipeline. The worker's broker still refuses private and metadata addresses.
  egress: ['*'],
  async run(input, ctx) {
    const deadline = input.timeoutMs === undefined ? undefined : AbortSignal.timeout(input.timeoutMs);
    const signal = deadline ? AbortSignal.any([ctx.signal, deadline]) : ctx.signal;
    try {
      const response = await ctx.fetch(input.url, {
        method: input.method,
        headers: requestHeaders(input, ctx.traceparent),
        body: requestBody(input.body),
        signal,
      });
      const body = await readBody(response);
      if (input.failOnStatus && response.status >= 400) throw statusError(input, response, body);
      return { status: response.status, headers: Object.fromEntries(response.headers), body };
    } catch (error) {
      if (deadline?.aborted && !ctx.signal.aborted)
        throw new StepError(`${describeTarget(input)} timed out after ${input.timeoutMs} ms`, { code: 'timeout' });
      throw asStepError(error, input);
    }
  },
});

/** The pipeline's headers win; the run's trace context joins unless the pipeline sets its own. */
function requestHeaders({ headers, secretHeaders, auth, body }: RequestInput, traceparent: string | undefined): Headers {
  const result = new Headers(headers);
  for (const [name, value] of Object.entries(secretHeaders)) result.set(name, value);
  if (auth?.bearer !== undefined) result.set('authorization', `Bearer ${auth.bearer}`);
  if (auth?.basic) result.set('authorization', `Basic ${Buffer.from(`${auth.basic.username}:${auth.basic.password}`).toString('base64')}`);
  if (body !== undefined && typeof body !== 'string' && !result.has('content-type')) result.set('content-type', 'application/json');
  if (traceparent && !result.has('traceparent')) result.set('traceparent', traceparent);
  return result;
}

function requestBody(body: JsonValue | undefined): string | undefined {
  if (body === undefined) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

async function readBody(response: Response): Promise<JsonValue | null> {
  if (!response.body) return null;
  const text = await readTextUpTo(response.body, MAX_RESPONSE_BYTES);
  if (!isJsonMediaType(response.headers.get('content-type'))) return text;
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

async function readTextUpTo(stream: ReadableStream<Uint8Array>, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.byteLength;
    if (size > limit) {
      throw new StepError(`response body is over ${limit} bytes; fetch large data with a file step instead`, {
        retryable: false,
        code: 'response_too_large',
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isJsonMediaType(contentType: string | null): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

function statusError(input: RequestInput, response: Response, body: JsonValue | null): StepError {
  const retryable = response.status >= 500 || RETRYABLE_CLIENT_STATUSES.has(response.status);
  const snippet = (typeof body === 'string' ? body : JSON.stringify(body)).slice(0, BODY_SNIPPET_CHARS);
  const message = `${describeTarget(input)} responded ${response.status} ${response.statusText}${snippet ? `: ${snippet}` : ''}`;
  return new StepError(message, { retryable, code: `http_${response.status}` });
}

function asStepError(error: unknown, input: RequestInput): unknown {
  if (!(error instanceof TypeError)) return error;
  // undici reports every network failure as TypeError('fetch failed') with the system error as cause.
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (error.message === 'fetch failed') {
    const reason = cause?.code ?? cause?.message ?? 'network error';
    return new StepError(`${describeTarget(input)} failed: ${reason}`, { code: 'network_error', cause: error });
  }
  return new StepError(`${describeTarget(input)} is not a valid request: ${error.message}`, {
    retryable: false,
    code: 'invalid_request',
    cause: error,
  });
}

/** Method and URL without the query string, which often carries tokens. */
function describeTarget({ method, url }: RequestInput): string {
  const { origin, pathname } = new URL(url);
  return `${method} ${origin}${pathname}`;
}
