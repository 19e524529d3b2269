import { z } from 'zod';
import { defineStep } from '../../sdk/src/index.js';
import { bareEtag, isoTime, S3Client } from './s3-client.js';
import { connectionFields } from './s3-connection.js';
import { xmlBlocks, xmlText } from './s3-xml.js';

/** ListObjectsV2 answers at most 1,000 keys a page. */
const PAGE = 1_000;
/** Keys in the outputs (capped at 1 MiB): a longer listing wants a narrower prefix. */
export const MAX_LIST_KEYS = 5_000;

export const objectInfo = z.strictObject({
  key: z.string(),
  size: z.number().int(),
  etag: z.string(),
  lastModified: z.string().nullable(),
});
export type ObjectInfo = z.output<typeof objectInfo>;

export const listStep = defineStep({
  id: 'list',
  title: 'List objects in a bucket',
  description:
    'Lists the keys under `prefix` (all of them by default), in key order, up to `maxKeys`. With a `delimiter` (`/`), keys below the next delimiter are grouped into `prefixes`, as folders.',
  input: z.strictObject({
    ...connectionFields,
    prefix: z.string().max(1024).default(''),
    delimiter: z.string().min(1).max(16).optional(),
    startAfter: z.string().max(1024).optional().describe('Only keys after this one'),
    maxKeys: z.number().int().min(1).max(MAX_LIST_KEYS).default(1_000),
  }),
  output: z.strictObject({
    keys: z.array(objectInfo),
    prefixes: z.array(z.string()),
    count: z.number().int(),
    truncated: z.boolean().describe('More keys match than `maxKeys`'),
  }),
  // The endpoint is the pipeline's (AWS, MinIO, R2…); the broker still refuses private addresses unless the operator allows them.
  egress: ['*'],
  async run(input, ctx) {
    const client = new S3Client(input, ctx);
    const keys: ObjectInfo[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      const page = await listPage(client, {
        prefix: input.prefix,
        delimiter: input.delimiter,
        startAfter: input.startAfter,
        maxKeys: Math.min(PAGE, input.maxKeys - keys.length - prefixes.length),
        token,
      });
      keys.push(...page.keys);
      prefixes.push(...page.prefixes);
      token = page.next;
    } while (token && keys.length + prefixes.length < input.maxKeys);
    const truncated = token !== undefined;
    ctx.log(`Listed ${keys.length} key(s) under s3://${input.bucket}/${input.prefix}${truncated ? ' (more remain)' : ''}`);
    return { keys, prefixes, count: keys.length, truncated };
  },
});

export interface ListPage {
  keys: ObjectInfo[];
  prefixes: string[];
  /** The continuation token when more keys follow. */
  next?: string;
}

export async function listPage(
  client: S3Client,
  page: { prefix: string; maxKeys: number; delimiter?: string; startAfter?: string; token?: string },
): Promise<ListPage> {
  const { body } = await client.send({
    operation: 'ListObjectsV2',
    method: 'GET',
    query: {
      'list-type': '2',
      prefix: page.prefix,
      'max-keys': String(page.maxKeys),
      delimiter: page.delimiter,
      'start-after': page.startAfter,
      'continuation-token': page.token,
      // Keys come URL-encoded: XML 1.0 cannot carry every character a key may hold.
      'encoding-type': 'url',
    },
  });
  const xml = body.toString('utf8');
  // A service that ignores encoding-type says so by leaving EncodingType out; its keys are plain.
  const decode = xmlText(xml, 'EncodingType') === 'url' ? (text: string) => decodeURIComponent(text.replace(/\+/g, ' ')) : (t: string) => t;
  const keys = xmlBlocks(xml, 'Contents').map((item) => ({
    key: decode(xmlText(item, 'Key') ?? ''),
    size: Number(xmlText(item, 'Size') ?? 0),
    etag: bareEtag(xmlText(item, 'ETag')),
    lastModified: isoTime(xmlText(item, 'LastModified')),
  }));
  const prefixes = xmlBlocks(xml, 'CommonPrefixes').map((item) => decode(xmlText(item, 'Prefix') ?? ''));
  const next = xmlText(xml, 'IsTruncated') === 'true' ? xmlText(xml, 'NextContinuationToken') : undefined;
  return { keys, prefixes, ...(next && { next }) };
}
