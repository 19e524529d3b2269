import { StepError } from '../../sdk/src/index.js';
import { xmlText } from './s3-xml.js';

/** What the failed call was, for the message: `GetObject s3://bucket/key`. Never credentials. */
export interface S3Call {
  operation: string;
  bucket: string;
  key?: string;
}

/** Error codes a retry can fix: throttling, timeouts and the service's own trouble. */
const TRANSIENT = new Set([
  'SlowDown',
  'RequestTimeout',
  'InternalError',
  'ServiceUnavailable',
  'OperationAborted',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'RequestLimitExceeded',
]);

/** What a body-less answer (HEAD) means, by status. */
const BY_STATUS: Record<number, string> = {
  301: 'PermanentRedirect',
  400: 'BadRequest',
  403: 'AccessDenied',
  412: 'PreconditionFailed',
  416: 'InvalidRange',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

export const describeCall = ({ operation, bucket, key }: S3Call) => `S3 ${operation} s3://${bucket}${key === undefined ? '' : `/${key}`}`;

/**
 * An S3 error answer as a StepError coded `s3_<Code>`: retryable for 5xx, 429 and throttling or
 * timeout codes; not for the rest (NoSuchKey, NoSuchBucket, AccessDenied, SignatureDoesNotMatch…),
 * which the same request meets again. Only Code and Message are kept: an error body may also echo
 * the access key id and the string the request signed.
 */
export function s3Error(call: S3Call, status: number, body: string): StepError {
  const code = xmlText(body, 'Code') ?? (status === 404 ? (call.key === undefined ? 'NoSuchBucket' : 'NoSuchKey') : BY_STATUS[status]);
  const name = code && /^[A-Za-z0-9.]{1,64}$/.test(code) ? code : `Http${status}`;
  const message = xmlText(body, 'Message')?.slice(0, 300);
  const retryable = TRANSIENT.has(name) || status >= 500 || status === 429 || status === 408;
  return new StepError(`${describeCall(call)} failed: ${name}${message ? `: ${message}` : ''} (HTTP ${status})`, {
    retryable,
    code: `s3_${name.replace(/\./g, '_')}`,
  });
}

/**
 * A failure to get any answer: the step's own deadline (retryable `s3_timeout`), the network
 * (retryable `s3_network`, as `fetch` reports it). A StepError (the broker refused the host) and
 * the step's cancellation pass unchanged.
 */
export function transportError(call: S3Call, error: unknown, timedOut: boolean, timeoutMs: number): unknown {
  if (timedOut) return new StepError(`${describeCall(call)} timed out after ${timeoutMs} ms`, { code: 's3_timeout', cause: error });
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return new StepError(`${describeCall(call)} failed: ${cause?.code ?? cause?.message ?? 'network error'}`, {
      code: 's3_network',
      cause: error,
    });
  }
  return error;
}
