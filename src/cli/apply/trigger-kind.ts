import { ok, type paths } from '../../../client/src/index.js';
import { formatDuration, parseDuration } from '../../../workers/contracts/duration.js';
import { DEFAULT_PREFETCH } from '../../triggers/dto/broker-triggers.dto.js';
import { allPages, same, type NamedKind } from './named-objects.js';

type CreateBody = paths['/v1/triggers']['post']['requestBody']['content']['application/json'];
type UpdateBody = paths['/v1/triggers/{id}']['patch']['requestBody']['content']['application/json'];

/** Per type, the fields a trigger edits in place and what the API holds when a document leaves one out. */
const DEFAULTS: Record<string, Record<string, unknown>> = {
  webhook: { pipeline: undefined, inputs: null },
  pipeline: { pipeline: undefined, source: undefined, on: 'succeeded' },
  event: { pipeline: undefined, event: undefined, source: null, inputs: null, cooldown: null },
  amqp: {
    pipeline: undefined,
    inputs: null,
    connectionSecret: undefined,
    queue: undefined,
    idHeader: null,
    prefetch: DEFAULT_PREFETCH,
    enabled: true,
  },
  nats: {
    pipeline: undefined,
    inputs: null,
    connectionSecret: undefined,
    subject: undefined,
    queueGroup: null,
    stream: null,
    prefetch: DEFAULT_PREFETCH,
    enabled: true,
  },
};
/** A cooldown as the API shows it (`6h`), however the document wrote it (`360m`). */
const held = (key: string, value: unknown) =>
  key === 'cooldown' && typeof value === 'string' && parseDuration(value) !== null ? formatDuration(parseDuration(value)!) : value;

/**
 * `kind: Trigger`: matched by name and edited in place (`PATCH`), so a webhook trigger keeps its
 * address and signing secret; one whose type changed is made anew.
 */
export const triggerKind: NamedKind = {
  kind: 'Trigger',
  noun: 'trigger',
  list: (api) => allPages((cursor) => ok(api.GET('/v1/triggers', { params: { query: { limit: 100, cursor } } }))),
  problems(body) {
    if (typeof body.pipeline !== 'string') return [{ path: 'pipeline', message: 'a Trigger names the pipeline it starts' }];
    if (typeof body.type !== 'string' || !(body.type in DEFAULTS))
      return [{ path: 'type', message: `must be one of ${Object.keys(DEFAULTS).join(', ')}` }];
    return [];
  },
  changes(body, current) {
    const defaults = DEFAULTS[String(body.type)];
    const wanted: Record<string, unknown> = { ...defaults, ...body };
    return Object.keys(defaults)
      .filter((key) => !same(held(key, wanted[key]), current[key]))
      .map((key) => ({ path: key, before: current[key], after: wanted[key] }));
  },
  remake: (body, current) => (body.type === current.type ? undefined : { path: 'type', before: current.type, after: body.type }),
  purpose: (body) => `${String(body.type)}, starts ${String(body.pipeline)}`,
  async create(api, name, body) {
    const created = await ok(api.POST('/v1/triggers', { body: { ...(body as CreateBody), name } }));
    // The signing secret is not printed (CI logs keep what they print): POST …/rotate-secret shows a new one once.
    return 'url' in created
      ? `senders POST ${created.url} (POST /v1/triggers/${created.id}/rotate-secret for its signing secret)`
      : undefined;
  },
  async update(api, current, fields) {
    const body = Object.fromEntries(fields.map((f) => [f.path, f.after ?? null])) as UpdateBody;
    await ok(api.PATCH('/v1/triggers/{id}', { params: { path: { id: current.id } }, body }));
  },
  async remove(api, current) {
    await ok(api.DELETE('/v1/triggers/{id}', { params: { path: { id: current.id } } }));
  },
};
