import pc from 'picocolors';
import { ok, type BatonClient, type paths } from '../../../client/src/index.js';
import type { Manifest, ManifestProblem } from './manifests.js';

type ScheduleView = paths['/v1/schedules']['get']['responses'][200]['content']['application/json']['items'][number];
type CreateBody = paths['/v1/schedules']['post']['requestBody']['content']['application/json'];
type UpdateBody = paths['/v1/schedules/{id}']['patch']['requestBody']['content']['application/json'];
type FieldChange = { path: string; before: unknown; after: unknown };

/**
 * What `baton apply` does to one named schedule: a `kind: Schedule` document is matched by its
 * name; one whose pipeline changed is made anew (a schedule's pipeline is not edited in place).
 * With `--prune`, a named schedule no document names is deleted; unnamed ones are never the folder's.
 */
export type ScheduleChange =
  | { action: 'create'; name: string; body: CreateBody }
  | { action: 'unchanged'; name: string; id: string }
  | { action: 'update'; name: string; id: string; fields: FieldChange[] }
  | { action: 'replace'; name: string; id: string; body: CreateBody; fields: FieldChange[] }
  | { action: 'delete'; name: string; id: string };

/** A document's fields as the API would hold them, the defaults filled in, for comparing with what it holds. */
const EDITABLE = ['cron', 'every', 'timezone', 'inputs', 'overlap', 'catchupWindow', 'jitter', 'paused', 'startAt', 'endAt'] as const;
const DEFAULTS: Record<(typeof EDITABLE)[number], unknown> = {
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
};
/** `startAt` and `endAt` as the API answers them (`2027-01-01T00:00:00.000Z`), however the document wrote them. */
const held = (key: string, value: unknown) =>
  (key === 'startAt' || key === 'endAt') && typeof value === 'string' && !Number.isNaN(Date.parse(value))
    ? new Date(value).toISOString()
    : value;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

async function namedSchedules(api: BatonClient): Promise<Map<string, ScheduleView>> {
  const byName = new Map<string, ScheduleView>();
  let cursor: string | undefined;
  do {
    const page = await ok(api.GET('/v1/schedules', { params: { query: { limit: 100, cursor } } }));
    for (const schedule of page.items) if (schedule.name) byName.set(schedule.name, schedule);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return byName;
}

/** The body a document asks for: the document without `apiVersion` and `kind`. */
function bodyOf(manifest: Manifest): CreateBody {
  const { apiVersion: _apiVersion, kind: _kind, ...body } = manifest.value;
  return body as CreateBody;
}

export async function planSchedules(
  api: BatonClient,
  manifests: Manifest[],
  prune: boolean,
): Promise<{ changes: ScheduleChange[]; problems: ManifestProblem[] }> {
  const documents = manifests.filter((m) => m.kind === 'Schedule');
  const problems = documents
    .filter((m) => typeof m.value.pipeline !== 'string')
    .map((m) => ({ file: m.file, line: m.line, path: 'pipeline', message: 'a Schedule names the pipeline it starts' }));
  if (!documents.length && !prune) return { changes: [], problems };
  const existing = await namedSchedules(api);
  const changes: ScheduleChange[] = documents.map((manifest) => {
    const body = bodyOf(manifest);
    const current = existing.get(manifest.name);
    if (!current) return { action: 'create', name: manifest.name, body };
    const wanted: Record<string, unknown> = { ...DEFAULTS, ...body };
    const fields = EDITABLE.filter((key) => !same(held(key, wanted[key]), current[key])).map((key) => ({
      path: key,
      before: current[key],
      after: wanted[key],
    }));
    if (body.pipeline !== current.pipeline)
      return {
        action: 'replace',
        name: manifest.name,
        id: current.id,
        body,
        fields: [{ path: 'pipeline', before: current.pipeline, after: body.pipeline }, ...fields],
      };
    return fields.length
      ? { action: 'update', name: manifest.name, id: current.id, fields }
      : { action: 'unchanged', name: manifest.name, id: current.id };
  });
  if (prune) {
    const kept = new Set(documents.map((m) => m.name));
    for (const [name, schedule] of existing) if (!kept.has(name)) changes.push({ action: 'delete', name, id: schedule.id });
  }
  return { changes, problems };
}

const shown = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));

export function describeSchedules(changes: ScheduleChange[]): string[] {
  return changes.flatMap((change) => {
    const fields = 'fields' in change ? change.fields.map((f) => `    ${f.path}: ${shown(f.before)} → ${shown(f.after)}`) : [];
    switch (change.action) {
      case 'create':
        return [pc.green(`+ schedule ${change.name} (new, starts ${change.body.pipeline})`)];
      case 'unchanged':
        return [pc.dim(`= schedule ${change.name} (unchanged)`)];
      case 'update':
        return [pc.yellow(`~ schedule ${change.name}`), ...fields];
      case 'replace':
        return [pc.yellow(`± schedule ${change.name} (made anew: its pipeline changed)`), ...fields];
      case 'delete':
        return [pc.red(`- schedule ${change.name} (delete)`)];
    }
  });
}

/** Makes one change; says what it did. */
export async function applySchedule(api: BatonClient, change: ScheduleChange): Promise<string | null> {
  switch (change.action) {
    case 'unchanged':
      return null;
    case 'create':
      await ok(api.POST('/v1/schedules', { body: { ...change.body, name: change.name } }));
      return `created schedule ${change.name}`;
    case 'update': {
      // `cron` and `every` replace each other: the one given clears the other.
      const given = change.fields.filter(
        (f) =>
          !(
            (f.path === 'cron' || f.path === 'every') &&
            f.after === null &&
            change.fields.some((o) => o !== f && (o.path === 'cron' || o.path === 'every'))
          ),
      );
      const body = Object.fromEntries(given.map((f) => [f.path, f.after ?? null])) as UpdateBody;
      await ok(api.PATCH('/v1/schedules/{id}', { params: { path: { id: change.id } }, body }));
      return `updated schedule ${change.name}`;
    }
    case 'replace':
      await ok(api.DELETE('/v1/schedules/{id}', { params: { path: { id: change.id } } }));
      await ok(api.POST('/v1/schedules', { body: { ...change.body, name: change.name } }));
      return `made schedule ${change.name} anew`;
    case 'delete':
      await ok(api.DELETE('/v1/schedules/{id}', { params: { path: { id: change.id } } }));
      return `deleted schedule ${change.name}`;
  }
}
