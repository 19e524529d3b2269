import { z } from 'zod';
import { secret } from '../../sdk/src/index.js';

/** Access key pairs (and STS session tokens) are tenant secrets: `${{ secrets.S3_SECRET_KEY }}`. */
const credentials = z.strictObject({
  accessKeyId: secret(),
  secretAccessKey: secret(),
  sessionToken: secret().optional(),
});

/** The fields every s3 step takes to reach a service: where, which region, how, as whom. */
export const connectionFields = {
  endpoint: z
    .url({ protocol: /^https?$/ })
    .refine((url) => /^https?:\/\/[^/?#@]+\/?$/.test(url), { message: 'Must be a scheme and host only, e.g. https://minio.internal:9000' })
    .optional()
    .describe(
      'Default: AWS, `https://s3.<region>.amazonaws.com`. MinIO: `http://minio.internal:9000`; R2: `https://<account>.r2.cloudflarestorage.com`',
    ),
  region: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/)
    .default('us-east-1')
    .describe('The region requests are signed for (`auto` on R2)'),
  pathStyle: z.boolean().default(false).describe('Address buckets as `endpoint/bucket/key` (MinIO) instead of `bucket.endpoint/key`'),
  credentials,
  timeoutMs: z.number().int().min(1_000).max(60_000).default(60_000).describe("Per request; the worker's broker stops any at 60 s"),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, { error: 'Must be a bucket name: 3-63 of a-z, 0-9, ".", "-" and "_"' }),
};

export const connectionSchema = z.object(connectionFields);
export type S3Connection = z.output<typeof connectionSchema>;

/** Keys whose path segments `.` or `..` URLs would resolve away are refused rather than silently changed. */
export const objectKey = z
  .string()
  .min(1)
  .max(1024)
  .refine((key) => !key.split('/').some((segment) => segment === '.' || segment === '..'), {
    message: 'Must not have "." or ".." segments',
  });

/** An S3 object URL: virtual-hosted (`bucket.host`) when the bucket can be a host name there, else path-style. */
export function s3Url(connection: Pick<S3Connection, 'endpoint' | 'region' | 'pathStyle' | 'bucket'>, key?: string): URL {
  const base = new URL(connection.endpoint ?? `https://s3.${connection.region}.amazonaws.com`);
  const { bucket } = connection;
  // A dotted bucket breaks the TLS name check of `*.host` certificates; an IP or single-label host has no subdomains.
  const virtual =
    !connection.pathStyle &&
    !/^[\d.]+$|^\[|^localhost$/.test(base.hostname) &&
    base.hostname.includes('.') &&
    !(base.protocol === 'https:' && bucket.includes('.')) &&
    !bucket.includes('_');
  const path = key === undefined ? '' : `/${encodeKey(key)}`;
  return virtual ? new URL(`${base.protocol}//${bucket}.${base.host}${path || '/'}`) : new URL(`${base.origin}/${bucket}${path}`);
}

/** Each segment percent-encoded as SigV4 canonicalises it (RFC 3986 unreserved kept), slashes kept. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** `s3://bucket` and the key: how OpenLineage names an object. */
export const objectDataset = (bucket: string, key: string) => ({ namespace: `s3://${bucket}`, name: key });
