import { z } from 'zod';
import { datasetInputSchema, defineStep, StepError, type StepContext } from '../../sdk/src/index.js';
import { bareEtag, PART_BYTES, S3Client, sha256Hex } from './s3-client.js';
import { connectionFields, objectDataset, objectKey } from './s3-connection.js';
import { escapeXml, xmlText } from './s3-xml.js';

const MAX_TEXT_BYTES = 1024 * 1024;
const TYPES: Record<string, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  jsonl: 'application/x-ndjson',
  txt: 'text/plain; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
  gz: 'application/gzip',
  zip: 'application/zip',
  html: 'text/html; charset=utf-8',
  xml: 'application/xml',
  pdf: 'application/pdf',
};

export const putStep = defineStep({
  id: 'put',
  title: 'Upload a run artifact or text as an object',
  description:
    'Writes an artifact (its key, or a reference such as files/write or s3/get outputs) or inline `text` under `key`, replacing what was there. Over 8 MiB it goes up in parts (a multipart upload), which is aborted if a part fails.',
  input: z
    .strictObject({
      ...connectionFields,
      key: objectKey,
      artifact: z.union([z.string().min(1), datasetInputSchema]).optional(),
      text: z.string().optional(),
      contentType: z.string().min(1).max(200).optional().describe("Default: the reference's, else from the key's extension"),
      metadata: z
        .record(
          z.string().regex(/^[a-z0-9-]{1,64}$/),
          z
            .string()
            .max(1024)
            .regex(/^[\x20-\x7e]*$/),
        )
        .default({})
        .describe('Sent as `x-amz-meta-<name>` headers'),
    })
    .refine((input) => (input.artifact === undefined) !== (input.text === undefined), {
      message: 'Give exactly one of `artifact` and `text`',
    })
    .refine((input) => input.text === undefined || Buffer.byteLength(input.text) <= MAX_TEXT_BYTES, {
      message: `text is over ${MAX_TEXT_BYTES} bytes: write it as an artifact`,
      path: ['text'],
    }),
  output: z.strictObject({
    bucket: z.string(),
    key: z.string(),
    bytes: z.number().int(),
    sha256: z.string(),
    etag: z.string(),
    contentType: z.string(),
    parts: z.number().int(),
  }),
  egress: ['*'],
  async run(input, ctx) {
    const source = typeof input.artifact === 'string' ? input.artifact : input.artifact?.artifact;
    const body = source === undefined ? Buffer.from(input.text!) : await ctx.artifacts.get(source);
    if (source !== undefined) ctx.lineage.input(source);
    const refType = typeof input.artifact === 'object' ? (input.artifact as { contentType?: unknown }).contentType : undefined;
    const contentType =
      input.contentType ??
      (typeof refType === 'string' ? refType : undefined) ??
      (source === undefined ? 'text/plain; charset=utf-8' : typeOf(input.key));
    const headers = {
      'content-type': contentType,
      ...Object.fromEntries(Object.entries(input.metadata).map(([name, value]) => [`x-amz-meta-${name}`, value])),
    };
    const client = new S3Client(input, ctx);
    const { etag, parts } =
      body.length <= PART_BYTES
        ? { etag: await putWhole(client, input.key, body, headers), parts: 1 }
        : await putInParts(client, input.key, body, headers, ctx);
    ctx.lineage.output(objectDataset(input.bucket, input.key));
    ctx.log(`Uploaded ${body.length} bytes to s3://${input.bucket}/${input.key}${parts > 1 ? ` in ${parts} parts` : ''}`);
    ctx.metric('s3_bytes_uploaded', body.length);
    return { bucket: input.bucket, key: input.key, bytes: body.length, sha256: `sha256:${sha256Hex(body)}`, etag, contentType, parts };
  },
});

async function putWhole(client: S3Client, key: string, body: Buffer, headers: Record<string, string>): Promise<string> {
  const answer = await client.send({ operation: 'PutObject', method: 'PUT', key, headers, body });
  return bareEtag(answer.headers.get('etag'));
}

/** A multipart upload of 8 MiB parts (S3 wants at least 5 MiB but the last); aborted when anything fails, so no parts linger. */
async function putInParts(
  client: S3Client,
  key: string,
  body: Buffer,
  headers: Record<string, string>,
  ctx: Pick<StepContext, 'log'>,
): Promise<{ etag: string; parts: number }> {
  const created = await client.send({ operation: 'CreateMultipartUpload', method: 'POST', key, query: { uploads: '' }, headers });
  const uploadId = xmlText(created.body.toString('utf8'), 'UploadId');
  if (!uploadId) throw new StepError('S3 CreateMultipartUpload answered without an UploadId', { code: 's3_bad_response' });
  try {
    const etags: string[] = [];
    for (let offset = 0; offset < body.length; offset += PART_BYTES) {
      const part = await client.send({
        operation: 'UploadPart',
        method: 'PUT',
        key,
        query: { partNumber: String(etags.length + 1), uploadId },
        body: body.subarray(offset, offset + PART_BYTES),
      });
      etags.push(bareEtag(part.headers.get('etag')));
    }
    const manifest = `<CompleteMultipartUpload>${etags
      .map((etag, index) => `<Part><PartNumber>${index + 1}</PartNumber><ETag>"${escapeXml(etag)}"</ETag></Part>`)
      .join('')}</CompleteMultipartUpload>`;
    const done = await client.send({
      operation: 'CompleteMultipartUpload',
      method: 'POST',
      key,
      query: { uploadId },
      headers: { 'content-type': 'application/xml' },
      body: Buffer.from(manifest),
    });
    return { etag: bareEtag(xmlText(done.body.toString('utf8'), 'ETag') ?? done.headers.get('etag')), parts: etags.length };
  } catch (error) {
    await client
      .send({ operation: 'AbortMultipartUpload', method: 'DELETE', key, query: { uploadId } })
      .catch((abortError: Error) => ctx.log('warn', `Could not abort multipart upload ${uploadId}: ${abortError.message}`));
    throw error;
  }
}

function typeOf(key: string): string {
  const extension = /\.([A-Za-z0-9]+)$/.exec(key)?.[1]?.toLowerCase() ?? '';
  return TYPES[extension] ?? 'application/octet-stream';
}
