import { z } from 'zod';
import { ARTIFACT_MAX_BYTES, defineStep, StepError } from '../../sdk/src/index.js';
import { bareEtag, isoTime, PART_BYTES, S3Client } from './s3-client.js';
import { connectionFields, objectDataset, objectKey } from './s3-connection.js';
import { describeCall } from './s3-errors.js';

/** The worker checks segment lengths and depth; this pattern (RE2, as manifests' must be) checks the shape. */
const ARTIFACT_KEY = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

export const getStep = defineStep({
  id: 'get',
  title: 'Download an object into a run artifact',
  description:
    "Reads one object, in ranged parts of 8 MiB, into the tenant's artifact store; the outputs are the artifact's reference (hand it to files/read, s3/put or mail/send) with the object's ETag and time.",
  input: z.strictObject({
    ...connectionFields,
    key: objectKey,
    artifact: z
      .string()
      .max(2_000)
      .regex(ARTIFACT_KEY, { error: 'Must be an artifact key: segments of A-Za-z0-9._- separated by /' })
      .optional()
      .describe("Where to keep it. Default: a key of the step's own ending in the object's name, e.g. `runs/<run>/<step>/orders.csv`"),
    maxBytes: z.number().int().min(1).max(ARTIFACT_MAX_BYTES).default(ARTIFACT_MAX_BYTES).describe('Refuse a larger object'),
  }),
  output: z.strictObject({
    artifact: z.string(),
    bytes: z.number().int(),
    sha256: z.string(),
    contentType: z.string(),
    bucket: z.string(),
    key: z.string(),
    etag: z.string(),
    lastModified: z.string().nullable(),
  }),
  egress: ['*'],
  async run(input, ctx) {
    const client = new S3Client(input, ctx);
    const object = await download(client, input.key, input.maxBytes);
    const artifact = input.artifact ?? ctx.artifacts.ownKey(artifactName(input.key));
    const ref = await ctx.artifacts.put(artifact, object.body, { contentType: object.contentType });
    ctx.lineage.input(objectDataset(input.bucket, input.key));
    ctx.lineage.output(ref);
    ctx.log(`Downloaded s3://${input.bucket}/${input.key} (${ref.bytes} bytes in ${object.parts} part(s)) to ${ref.artifact}`);
    ctx.metric('s3_bytes_downloaded', ref.bytes);
    return { ...ref, bucket: input.bucket, key: input.key, etag: object.etag, lastModified: object.lastModified };
  },
});

interface Downloaded {
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: string | null;
  parts: number;
}

/**
 * The object in ranged parts, each pinned to the first part's ETag (If-Match) so that an object
 * replaced mid-read fails (retryably) instead of mixing two versions. Its size, from the first
 * part's Content-Range, is checked against `maxBytes` before anything more is read.
 */
export async function download(client: S3Client, key: string, maxBytes: number): Promise<Downloaded> {
  const call = { operation: 'GetObject', bucket: client.bucket, key };
  const chunks: Buffer[] = [];
  let first: { etag: string; contentType: string; lastModified: string | null } | undefined;
  for (let offset = 0, total = Infinity; offset < total;) {
    const range = { range: `bytes=${offset}-${offset + PART_BYTES - 1}` };
    const answer = await client
      .send({
        operation: 'GetObject',
        method: 'GET',
        key,
        headers: first?.etag ? { ...range, 'if-match': `"${first.etag}"` } : range,
        accept: [416],
      })
      .catch((error: unknown) => {
        if (first && (error as StepError).code === 's3_PreconditionFailed') throw changed(call);
        throw error;
      });
    // An empty object has no byte 0 to range over.
    if (answer.status === 416 && offset === 0) return { ...(await whole(client, key)), parts: 1 };
    if (answer.status === 416) throw changed(call);
    const etag = bareEtag(answer.headers.get('etag'));
    if (first && etag && etag !== first.etag) throw changed(call);
    first ??= {
      etag,
      contentType: answer.headers.get('content-type') ?? 'application/octet-stream',
      lastModified: isoTime(answer.headers.get('last-modified')),
    };
    // A 200 is the whole object: the service ignored the range.
    total = answer.status === 206 ? Number(/\/(\d+)$/.exec(answer.headers.get('content-range') ?? '')?.[1] ?? NaN) : answer.body.length;
    if (Number.isNaN(total))
      throw new StepError(`${describeCall(call)}: no Content-Range in a partial answer`, { code: 's3_bad_response' });
    if (total > maxBytes)
      throw new StepError(`${describeCall(call)}: the object is ${total} bytes, over maxBytes (${maxBytes})`, {
        retryable: false,
        code: 's3_object_too_large',
      });
    chunks.push(answer.body);
    offset += answer.body.length;
    if (answer.body.length === 0 && offset < total)
      throw new StepError(`${describeCall(call)}: an empty part`, { code: 's3_bad_response' });
  }
  return { ...first!, body: Buffer.concat(chunks), parts: chunks.length };
}

async function whole(client: S3Client, key: string): Promise<Omit<Downloaded, 'parts'>> {
  const answer = await client.send({ operation: 'GetObject', method: 'GET', key });
  return {
    body: answer.body,
    contentType: answer.headers.get('content-type') ?? 'application/octet-stream',
    etag: bareEtag(answer.headers.get('etag')),
    lastModified: isoTime(answer.headers.get('last-modified')),
  };
}

const changed = (call: { operation: string; bucket: string; key: string }) =>
  new StepError(`${describeCall(call)}: the object changed while it was read`, { code: 's3_object_changed' });

/** The key's last segment as an artifact key segment: `in/2026 orders.csv` → `2026_orders.csv`. */
export function artifactName(key: string): string {
  const safe = (key.split('/').filter(Boolean).pop() ?? '').replace(/[^A-Za-z0-9._-]/g, '_').slice(-128);
  if (!safe) return 'object';
  return /^[A-Za-z0-9_]/.test(safe) ? safe : `_${safe.slice(1)}`;
}
