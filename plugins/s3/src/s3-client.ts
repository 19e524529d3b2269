// aws4fetch rather than @aws-sdk/client-s3: the step process has no network of its own, so every
// request must go through ctx.fetch (the worker's egress broker). aws4fetch only signs (SigV4 on
// WebCrypto, no dependencies, ~10 KiB, maintained since 2019), and hands back a Request that
// ctx.fetch sends as-is; the SDK would need a custom request handler, its XML stack and retry
// machinery (hundreds of KiB in every plugin bundle) for the five calls these steps make.
import { createHash } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import type { StepContext } from '../../sdk/src/index.js';
import { s3Url, type S3Connection } from './s3-connection.js';
import { s3Error, transportError, type S3Call } from './s3-errors.js';

/** Bytes per ranged GET and per uploaded part: under the 10 MiB the worker's broker carries in one response or request. */
export const PART_BYTES = 8 * 1024 * 1024;

export interface S3Request {
  operation: string;
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  key?: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Statuses returned to the caller rather than thrown (HEAD's 404 when waiting for a key). */
  accept?: number[];
}

export interface S3Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** One service, one bucket, one step: signs each call and sends it through the step's ctx.fetch. */
export class S3Client {
  private readonly signer: AwsClient;

  constructor(
    private readonly connection: S3Connection,
    private readonly ctx: Pick<StepContext, 'fetch' | 'signal'>,
    /** A fixed signing time (`20130524T000000Z`), for tests against published signatures. */
    private readonly datetime?: string,
  ) {
    const { accessKeyId, secretAccessKey, sessionToken } = connection.credentials;
    // retries: 0: a failure goes back to the pipeline's retry policy, which the run can see.
    this.signer = new AwsClient({ accessKeyId, secretAccessKey, sessionToken, service: 's3', region: connection.region, retries: 0 });
  }

  get bucket(): string {
    return this.connection.bucket;
  }

  /** The signed request, without sending it. */
  async sign(request: Omit<S3Request, 'operation' | 'accept'>): Promise<Request> {
    const url = s3Url(this.connection, request.key);
    for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
    const headers = new Headers(request.headers);
    // The body is signed by its digest (an empty one too): what arrives is what was meant, or S3 refuses it.
    headers.set('x-amz-content-sha256', sha256Hex(request.body ?? new Uint8Array()));
    return this.signer.sign(url.href, {
      method: request.method,
      headers,
      ...(request.body && { body: request.body }),
      ...(this.datetime && { aws: { datetime: this.datetime } }),
    });
  }

  /** Sends one call; an error answer (other than `accept`ed statuses) throws a StepError coded `s3_<Code>`. */
  async send(request: S3Request): Promise<S3Answer> {
    const call: S3Call = { operation: request.operation, bucket: this.bucket, ...(request.key !== undefined && { key: request.key }) };
    const signed = await this.sign(request);
    const deadline = AbortSignal.timeout(this.connection.timeoutMs);
    let response: Response;
    let body: Buffer;
    try {
      response = await this.ctx.fetch(signed.url, {
        method: signed.method,
        headers: signed.headers,
        ...(request.body && { body: request.body }),
        signal: AbortSignal.any([this.ctx.signal, deadline]),
      });
      body = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw transportError(call, error, deadline.aborted && !this.ctx.signal.aborted, this.connection.timeoutMs);
    }
    const ok = response.status < 300 || request.accept?.includes(response.status);
    // CompleteMultipartUpload may answer 200 and still fail, with an Error document as its body.
    const failedLate = response.status === 200 && request.operation === 'CompleteMultipartUpload' && body.includes('<Error>');
    if (!ok || failedLate) throw s3Error(call, failedLate ? 500 : response.status, body.toString('utf8'));
    return { status: response.status, headers: response.headers, body };
  }
}

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The ETag without its quotes. */
export const bareEtag = (etag: string | null | undefined) => (etag ?? '').replace(/^(W\/)?"|"$/g, '');

/** An HTTP date or ISO timestamp as ISO 8601, or null when there is none. */
export function isoTime(value: string | null | undefined): string | null {
  const time = value ? Date.parse(value) : NaN;
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
