import { ok, type paths } from '../../../client/src/index.js';
import { allPages, same, type FieldChange, type NamedKind } from './named-objects.js';

type CreateBody = paths['/v1/schedules']['post']['requestBody']['content']['application/json'];
type UpdateBody = paths['/v1/schedules/{id}']['patch']['requestBody']['content']['application/json'];

/** The fields a schedule edits in place, and what the API holds when a document leaves one out. */
const DEFAULTS = {
  cron: null,
  every: null,
  timezone: 'UTC',
  inputs: {},
  overlap: 'skip',
  catchupWindow: null,
  jitter: null,
  paused: false,
  startAt: null,
  endAt: null,
} as const;
/** `startAt` and `endAt` as the API answers them (`2027-01-01T00:00:00.000Z`), however the document wrote them. */
const held = (key: string, value: unknown) =>
  (key === 'startAt' || key === 'endAt') && typeof value === 'string' && !Number.isNaN(Date.parse(value))
    ? new Date(value).toISOString()
    : value;

/** `kind: Schedule`: matched by name; one whose pipeline changed is made anew (a schedule's pipeline is not edited in place). */
export const scheduleKind: NamedKind = {
  kind: 'Schedule',
  noun: 'schedule',
  list: (api) => allPages((cursor) => ok(api.GET('/v1/schedules', { params: { query: { limit: 100, cursor } } }))),
  problems: (body) => (typeof body.pipeline === 'string' ? [] : [{ path: 'pipeline', message: 'a Schedule names the pipeline it starts' }]),
  changes(body, current) {
    const wanted: Record<string, unknown> = { ...DEFAULTS, ...body };
    return Object.keys(DEFAULTS)
      .filter((key) => !same(held(key, wanted[key]), current[key]))
      .map((key) => ({ path: key, before: current[key], after: wanted[key] }));
  },
  remake: (body, current) =>
    body.pipeline === current.pipeline ? undefined : { path: 'pipeline', before: current.pipeline, after: body.pipeline },
  purpose: (body) => `starts ${String(body.pipeline)}`,
  async create(api, name, body) {
    await ok(api.POST('/v1/schedules', { body: { ...(body as CreateBody), name } }));
    return undefined;
  },
  async update(api, current, fields) {
    await ok(api.PATCH('/v1/schedules/{id}', { params: { path: { id: current.id } }, body: patchOf(fields) }));
  },
  async remove(api, current) {
    await ok(api.DELETE('/v1/schedules/{id}', { params: { path: { id: current.id } } }));
  },
};

/** `cron` and `every` replace each other: the one given clears the other, so the cleared one is not sent. */
function patchOf(fields: FieldChange[]): UpdateBody {
  const timing = (f: FieldChange) => f.path === 'cron' || f.path === 'every';
  const given = fields.filter((f) => !(timing(f) && f.after === null && fields.some((o) => o !== f && timing(o))));
  return Object.fromEntries(given.map((f) => [f.path, f.after ?? null]));
}
