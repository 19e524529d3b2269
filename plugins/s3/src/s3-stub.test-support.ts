import { createHash } from 'node:crypto';
import type { HttpExchange, HttpResult, HttpTransport } from '../../sdk/src/step-fetch.js';

interface StoredObject {
  body: Buffer;
  etag: string;
  contentType: string;
}

type Answer = { status: number; headers?: Record<string, string>; body?: string | Buffer };

/**
 * A bucket in memory that answers the S3 calls the steps make (path-style, at http://s3.test),
 * for unit specs: `ctx.fetch` goes to `transport`. `intercept` answers a call first when it
 * returns something (an error, a slow down); `requests` is what reached it.
 */
export class S3Stub {
  readonly objects = new Map<string, StoredObject>();
  readonly requests: HttpExchange[] = [];
  readonly uploads = new Map<string, Map<number, Buffer>>();
  intercept?: (request: HttpExchange, url: URL) => Answer | undefined;

  constructor(readonly bucket = 'data') {}

  put(key: string, body: string | Buffer, contentType = 'application/octet-stream'): void {
    const bytes = Buffer.from(body);
    this.objects.set(key, { body: bytes, etag: createHash('md5').update(bytes).digest('hex'), contentType });
  }

  readonly transport: HttpTransport = async (request) => {
    this.requests.push(request);
    const url = new URL(request.url);
    const answer = this.intercept?.(request, url) ?? this.answer(request, url);
    return reply(request, answer);
  };

  private answer(request: HttpExchange, url: URL): Answer {
    const [, bucket, ...rest] = url.pathname.split('/');
    if (bucket !== this.bucket) return error(404, 'NoSuchBucket', 'The specified bucket does not exist');
    const key = rest.map(decodeURIComponent).join('/');
    const header = (name: string) => request.headers.find(([n]) => n.toLowerCase() === name)?.[1];
    const query = url.searchParams;
    if (!key) return this.list(query);
    if (query.has('uploads')) {
      const id = `upload-${this.uploads.size + 1}`;
      this.uploads.set(id, new Map());
      return xml(`<InitiateMultipartUploadResult><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
    }
    const upload = query.get('uploadId');
    if (upload !== null) {
      const parts = this.uploads.get(upload);
      if (!parts) return error(404, 'NoSuchUpload', 'The specified upload does not exist');
      if (request.method === 'DELETE') {
        this.uploads.delete(upload);
        return { status: 204 };
      }
      if (request.method === 'PUT') {
        const body = Buffer.from(request.body ?? []);
        parts.set(Number(query.get('partNumber')), body);
        return { status: 200, headers: { etag: `"${createHash('md5').update(body).digest('hex')}"` } };
      }
      this.put(key, Buffer.concat([...parts.entries()].sort(([a], [b]) => a - b).map(([, part]) => part)));
      this.uploads.delete(upload);
      return xml(
        `<CompleteMultipartUploadResult><ETag>"${this.objects.get(key)!.etag}-${parts.size}"</ETag></CompleteMultipartUploadResult>`,
      );
    }
    if (request.method === 'PUT') {
      this.put(key, Buffer.from(request.body ?? []), header('content-type'));
      return { status: 200, headers: { etag: `"${this.objects.get(key)!.etag}"` } };
    }
    const object = this.objects.get(key);
    if (!object) return request.method === 'HEAD' ? { status: 404 } : error(404, 'NoSuchKey', 'The specified key does not exist.');
    const headers = { etag: `"${object.etag}"`, 'content-type': object.contentType, 'last-modified': 'Tue, 24 Nov 2026 09:00:00 GMT' };
    if (request.method === 'HEAD') return { status: 200, headers: { ...headers, 'content-length': String(object.body.length) } };
    const ifMatch = header('if-match');
    if (ifMatch && ifMatch !== `"${object.etag}"`) return error(412, 'PreconditionFailed', 'At least one of the preconditions failed');
    const range = /^bytes=(\d+)-(\d+)$/.exec(header('range') ?? '');
    if (!range) return { status: 200, headers, body: object.body };
    const start = Number(range[1]);
    if (start >= object.body.length) return error(416, 'InvalidRange', 'The requested range is not satisfiable');
    const end = Math.min(Number(range[2]), object.body.length - 1);
    return {
      status: 206,
      headers: { ...headers, 'content-range': `bytes ${start}-${end}/${object.body.length}` },
      body: object.body.subarray(start, end + 1),
    };
  }

  private list(query: URLSearchParams): Answer {
    const prefix = query.get('prefix') ?? '';
    const from = Number(query.get('continuation-token') ?? 0);
    const max = Number(query.get('max-keys') ?? 1000);
    const keys = [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
    const page = keys.slice(from, from + max);
    const more = from + max < keys.length;
    const contents = page
      .map((key) => {
        const { body, etag } = this.objects.get(key)!;
        return `<Contents><Key>${encodeURIComponent(key)}</Key><LastModified>2026-11-24T09:00:00.000Z</LastModified><ETag>&quot;${etag}&quot;</ETag><Size>${body.length}</Size></Contents>`;
      })
      .join('');
    return xml(
      `<ListBucketResult><Name>${this.bucket}</Name><EncodingType>url</EncodingType><IsTruncated>${more}</IsTruncated>${contents}${
        more ? `<NextContinuationToken>${from + max}</NextContinuationToken>` : ''
      }</ListBucketResult>`,
    );
  }
}

export const error = (status: number, code: string, message: string): Answer => ({
  status,
  headers: { 'content-type': 'application/xml' },
  body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>R1</RequestId></Error>`,
});

const xml = (body: string): Answer => ({ status: 200, headers: { 'content-type': 'application/xml' }, body });

function reply(request: HttpExchange, answer: Answer): HttpResult {
  return {
    ok: true,
    url: request.url,
    status: answer.status,
    statusText: '',
    headers: Object.entries(answer.headers ?? {}),
    body: request.method === 'HEAD' ? new Uint8Array() : new Uint8Array(Buffer.from(answer.body ?? '')),
  };
}

/** The inputs every s3 step needs, against the stub. */
export const stubConnection = (bucket = 'data') => ({
  endpoint: 'http://s3.test',
  pathStyle: true,
  bucket,
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret-key-do-not-leak' },
});
