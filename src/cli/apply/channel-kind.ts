import { ok, type paths } from '../../../client/src/index.js';
import { allPages, same, type NamedKind } from './named-objects.js';

type CreateBody = paths['/v1/notification-channels']['post']['requestBody']['content']['application/json'];
type UpdateBody = paths['/v1/notification-channels/{id}']['patch']['requestBody']['content']['application/json'];

const ROUTING = { events: undefined, pipelines: null, enabled: true };
/** Per type, the fields a channel edits in place and what the API holds when a document leaves one out. */
const DEFAULTS: Record<string, Record<string, unknown>> = {
  webhook: { url: null, urlSecret: null, ...ROUTING },
  slack: { urlSecret: undefined, ...ROUTING },
  teams: { urlSecret: undefined, ...ROUTING },
  pagerduty: { routingKeySecret: undefined, url: null, ...ROUTING },
  email: { to: undefined, ...ROUTING },
};
/** Fields that are credentials: a folder in Git names the tenant secret that holds them instead. */
const CREDENTIALS: Record<string, { field: string; secretField: string }> = {
  slack: { field: 'url', secretField: 'urlSecret' },
  teams: { field: 'url', secretField: 'urlSecret' },
  pagerduty: { field: 'routingKey', secretField: 'routingKeySecret' },
};
/** Lists compared as sets: the order a document lists events in is not a change. */
const held = (value: unknown) => (Array.isArray(value) ? [...value].sort() : value);

/**
 * `kind: NotificationChannel`: matched by name and edited in place; one whose type changed is made
 * anew. Credentials are given by secret name only (`urlSecret: SLACK_OPS_URL`), read from the
 * tenant's secret store at each delivery.
 */
export const channelKind: NamedKind = {
  kind: 'NotificationChannel',
  noun: 'channel',
  list: (api) => allPages((cursor) => ok(api.GET('/v1/notification-channels', { params: { query: { limit: 100, cursor } } }))),
  problems(body) {
    if (typeof body.type !== 'string' || !(body.type in DEFAULTS))
      return [{ path: 'type', message: `must be one of ${Object.keys(DEFAULTS).join(', ')}` }];
    const credential = CREDENTIALS[body.type];
    if (credential && credential.field in body)
      return [
        {
          path: credential.field,
          message: `is a credential and does not belong in Git: keep it in a tenant secret (PUT /v1/secrets/{name}) and give ${credential.secretField}`,
        },
      ];
    return [];
  },
  changes(body, current) {
    const defaults = DEFAULTS[String(body.type)];
    const wanted: Record<string, unknown> = { ...defaults, ...body };
    return Object.keys(defaults)
      .filter((key) => !same(held(wanted[key]), held(current[key])))
      .map((key) => ({ path: key, before: current[key], after: wanted[key] }));
  },
  remake: (body, current) => (body.type === current.type ? undefined : { path: 'type', before: current.type, after: body.type }),
  purpose: (body) => `${String(body.type)}, on ${Array.isArray(body.events) ? body.events.join(', ') : '(no events)'}`,
  async create(api, name, body) {
    const created = await ok(api.POST('/v1/notification-channels', { body: { ...(body as CreateBody), name } }));
    return created.secret ? `signed (POST /v1/notification-channels/${created.id}/rotate-secret for its signing secret)` : undefined;
  },
  async update(api, current, fields) {
    // Clearing `url` while `urlSecret` is set (or the other way round) is implied by setting the other one.
    const given = fields.filter(
      (f) => !(f.after === null && fields.some((o) => o !== f && o.after !== null && /^url/.test(o.path) && /^url/.test(f.path))),
    );
    const body = Object.fromEntries(given.map((f) => [f.path, f.after ?? null])) as UpdateBody;
    await ok(api.PATCH('/v1/notification-channels/{id}', { params: { path: { id: current.id } }, body }));
  },
  async remove(api, current) {
    await ok(api.DELETE('/v1/notification-channels/{id}', { params: { path: { id: current.id } } }));
  },
};
