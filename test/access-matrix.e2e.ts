import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer, NestFactory } from '@nestjs/core';
import pg from 'pg';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { generatePublisherKeyPair } from '../plugins/sdk/src/package/signing.js';
import { AppModule } from '../src/app.module.js';
import { loadConfig } from '../src/runtime/config/config.js';
import { api, newPipeline, newTenant, uniqueName, until, waitForRun, type TestTenant } from './support/builders.js';
import { packTestPlugin, packageArchive, signPackage } from './support/plugin-packages.js';

/**
 * Every route the Nest app registers, checked for every kind of caller against tenant A's
 * objects. The table below is the specification: a route missing from it (or a stale entry)
 * fails the test, so no new route ships without deciding who may call it.
 */

type Role = 'owner' | 'admin' | 'operator' | 'viewer' | 'publisher';
type Caller = 'anonymous' | Role | 'apiKey' | 'foreignAdmin' | 'installation';

const VIEWER: Role[] = ['owner', 'admin', 'operator', 'viewer'];
const OPERATOR: Role[] = ['owner', 'admin', 'operator'];
const ADMIN: Role[] = ['owner', 'admin'];
const OWNER: Role[] = ['owner'];
const PUBLISHER: Role[] = ['owner', 'publisher'];

interface Fixtures {
  a: TestTenant;
  tokens: Record<Role, string>;
  pipeline: string;
  runId: string;
  schedule: string;
  trigger: string;
  secret: string;
  channel: string;
  alert: string;
  /** A model of A's with versions 1 and 2, each in production once. */
  model: string;
  viewerUserId: string;
  publisherName: string;
  plugin: { name: string; version: string };
  /** A fresh object of A's for callers that will destroy it. */
  fresh: {
    pipeline(): Promise<string>;
    schedule(): Promise<string>;
    trigger(): Promise<string>;
    channel(): Promise<string>;
    secret(): Promise<string>;
    apiKeyId(): Promise<string>;
    memberId(): Promise<string>;
    invitationToken(): Promise<string>;
    invitationId(): Promise<string>;
    publisherKeyId(): Promise<string>;
  };
}

interface Call {
  path: string;
  body?: unknown;
  contentType?: string;
}

interface RouteSpec {
  /** `public`: no credential; `installation`: BATON_ADMIN_TOKEN only; else the roles of A that may call it. */
  access: 'public' | 'installation' | Role[];
  /**
   * What a caller of another tenant meets: `own` (the route acts on the caller's own tenant, so it
   * works and shows nothing of A's), `not-found` (A's object is invisible), `shared` (the plugin
   * catalog, the same for every tenant).
   */
  foreign: 'own' | 'not-found' | 'shared';
  /** `caller` only matters to routes that create: another tenant creates its own objects under other names. */
  call(fx: Fixtures, caller: Caller): Promise<Call> | Call;
  /** The status another tenant gets where it may see the object but not act on it. */
  foreignRefused?: number;
  /** Statuses (or `status:code`) besides 2xx that mean the handler ran and refused on the merits, not on access. */
  reached?: Array<number | string>;
}

const MATRIX_HOOK = 'http://127.0.0.1:9/matrix-alerts';
const definition = (name: string) => newPipeline(name, { hello: { uses: 'core/echo@^1', with: { value: 'hi' } } });

const MATRIX: Record<string, RouteSpec> = {
  'GET /healthz': { access: 'public', foreign: 'shared', call: () => ({ path: '/healthz' }) },
  'GET /readyz': { access: 'public', foreign: 'shared', call: () => ({ path: '/readyz' }) },
  'GET /metrics': { access: 'installation', foreign: 'shared', call: () => ({ path: '/metrics' }) },
  'POST /v1/signup': {
    access: 'public',
    foreign: 'shared',
    call: () => ({
      path: '/v1/signup',
      body: { tenantName: 'Matrix', email: `m-${randomUUID()}@example.test`, password: 'correct horse battery staple' },
    }),
  },
  'POST /v1/auth/login': {
    access: 'public',
    foreign: 'shared',
    call: (fx) => ({ path: '/v1/auth/login', body: { email: fx.a.email, password: fx.a.password } }),
  },
  'POST /v1/invitations/accept': {
    access: 'public',
    foreign: 'shared',
    call: async (fx) => ({
      path: '/v1/invitations/accept',
      body: { token: await fx.fresh.invitationToken(), password: 'a brand new password' },
    }),
  },
  'GET /v1/me': { access: [...VIEWER, 'publisher'], foreign: 'own', call: () => ({ path: '/v1/me' }) },
  // A's members switch into A; another tenant's person is no member of A, and A is not found for them.
  'POST /v1/auth/switch': {
    access: [...VIEWER, 'publisher'],
    foreign: 'not-found',
    call: (fx) => ({ path: '/v1/auth/switch', body: { tenant: fx.a.tenantId } }),
    reached: ['403:session_required'],
  },
  // Mailed tokens are the credential: a made-up one reaches the handler and is refused there.
  'POST /v1/account/verify': {
    access: 'public',
    foreign: 'shared',
    call: () => ({ path: '/v1/account/verify', body: { token: `bv_${'x'.repeat(43)}` } }),
    reached: ['404:token_invalid'],
  },
  'POST /v1/account/verify/resend': {
    access: 'public',
    foreign: 'shared',
    call: (fx) => ({ path: '/v1/account/verify/resend', body: { email: fx.a.email } }),
  },
  'POST /v1/account/password-reset': {
    access: 'public',
    foreign: 'shared',
    call: () => ({ path: '/v1/account/password-reset', body: { email: `nobody-${randomUUID()}@example.test` } }),
  },
  'POST /v1/account/password-reset/confirm': {
    access: 'public',
    foreign: 'shared',
    call: () => ({ path: '/v1/account/password-reset/confirm', body: { token: `br_${'x'.repeat(43)}`, password: 'a brand new password' } }),
    reached: ['404:token_invalid'],
  },
  // The fixtures' passwords stay: a wrong current one reaches the handler; an API key is no person.
  'POST /v1/account/password': {
    access: VIEWER,
    foreign: 'own',
    call: () => ({ path: '/v1/account/password', body: { currentPassword: 'not the password', newPassword: 'a brand new password' } }),
    reached: ['401:invalid_credentials', '403:session_required'],
  },

  // Single sign-on: the owner's alone. The matrix tenant has none, and its issuer does not answer.
  'GET /v1/tenant/sso': { access: OWNER, foreign: 'own', call: () => ({ path: '/v1/tenant/sso' }), reached: ['404:sso_not_configured'] },
  'PUT /v1/tenant/sso': {
    access: OWNER,
    foreign: 'own',
    call: () => ({
      path: '/v1/tenant/sso',
      body: { slug: 'matrix-sso', issuer: 'http://127.0.0.1:9', clientId: 'matrix', clientSecret: 'matrix-secret' },
    }),
    reached: ['422:issuer_discovery_failed'],
  },
  'DELETE /v1/tenant/sso': { access: OWNER, foreign: 'own', call: () => ({ path: '/v1/tenant/sso' }), reached: ['404:sso_not_configured'] },
  // Browser navigations: a redirect, to the provider or (here) to the console saying why not.
  'GET /v1/auth/sso/:slug/login': {
    access: 'public',
    foreign: 'shared',
    call: () => ({ path: '/v1/auth/sso/matrix-none/login' }),
    reached: [302],
  },
  'GET /v1/auth/sso/callback': {
    access: 'public',
    foreign: 'shared',
    call: () => ({ path: '/v1/auth/sso/callback?state=matrix' }),
    reached: [302],
  },

  'POST /v1/api-keys': { access: ADMIN, foreign: 'own', call: () => ({ path: '/v1/api-keys', body: { name: 'matrix', role: 'viewer' } }) },
  'GET /v1/api-keys': { access: ADMIN, foreign: 'own', call: () => ({ path: '/v1/api-keys' }) },
  'DELETE /v1/api-keys/:id': {
    access: ADMIN,
    foreign: 'not-found',
    call: async (fx) => ({ path: `/v1/api-keys/${await fx.fresh.apiKeyId()}` }),
  },

  'GET /v1/members': { access: VIEWER, foreign: 'own', call: () => ({ path: '/v1/members' }) },
  'POST /v1/members': {
    access: ADMIN,
    foreign: 'own',
    call: () => ({ path: '/v1/members', body: { email: `inv-${randomUUID()}@example.test`, role: 'viewer' } }),
  },
  'PATCH /v1/members/:userId': {
    access: ADMIN,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/members/${fx.viewerUserId}`, body: { role: 'viewer' } }),
  },
  'DELETE /v1/members/:userId': {
    access: ADMIN,
    foreign: 'not-found',
    call: async (fx) => ({ path: `/v1/members/${await fx.fresh.memberId()}` }),
  },
  'GET /v1/invitations': { access: ADMIN, foreign: 'own', call: () => ({ path: '/v1/invitations' }) },
  'DELETE /v1/invitations/:id': {
    access: ADMIN,
    foreign: 'not-found',
    call: async (fx) => ({ path: `/v1/invitations/${await fx.fresh.invitationId()}` }),
  },

  'POST /v1/admin/tenants': {
    access: 'installation',
    foreign: 'shared',
    call: () => ({
      path: '/v1/admin/tenants',
      body: { tenantName: 'Matrix admin', email: `adm-${randomUUID()}@example.test`, password: 'correct horse battery staple' },
    }),
  },
  'GET /v1/admin/tenants': { access: 'installation', foreign: 'shared', call: () => ({ path: '/v1/admin/tenants' }) },
  'POST /v1/admin/tenants/:id/suspend': {
    access: 'installation',
    foreign: 'shared',
    call: async () => ({ path: `/v1/admin/tenants/${(await newTenant()).tenantId}/suspend` }),
  },
  'POST /v1/admin/tenants/:id/resume': {
    access: 'installation',
    foreign: 'shared',
    call: (fx) => ({ path: `/v1/admin/tenants/${fx.a.tenantId}/resume` }),
  },

  'GET /v1/audit-log': { access: ADMIN, foreign: 'own', call: () => ({ path: '/v1/audit-log' }) },

  'POST /v1/pipelines/validate': {
    access: VIEWER,
    foreign: 'own',
    call: (fx) => ({ path: '/v1/pipelines/validate', body: definition(fx.pipeline) }),
  },
  'PUT /v1/pipelines/:name': {
    access: OPERATOR,
    foreign: 'own',
    call: (fx, caller) => {
      const name = caller === 'foreignAdmin' ? uniqueName('theirs') : fx.pipeline;
      return { path: `/v1/pipelines/${name}`, body: definition(name) };
    },
  },
  'GET /v1/pipelines': { access: VIEWER, foreign: 'own', call: () => ({ path: '/v1/pipelines' }) },
  'GET /v1/pipelines/:name': { access: VIEWER, foreign: 'not-found', call: (fx) => ({ path: `/v1/pipelines/${fx.pipeline}` }) },
  'GET /v1/pipelines/:name/versions': {
    access: VIEWER,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/pipelines/${fx.pipeline}/versions` }),
  },
  'GET /v1/pipelines/:name/versions/:version': {
    access: VIEWER,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/pipelines/${fx.pipeline}/versions/1` }),
  },
  'GET /v1/pipelines/:name/graph': {
    access: VIEWER,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/pipelines/${fx.pipeline}/graph` }),
  },
  // Another tenant plans in its own world: the same name is a new pipeline there.
  'POST /v1/pipelines/:name/plan': {
    access: VIEWER,
    foreign: 'own',
    call: (fx) => ({ path: `/v1/pipelines/${fx.pipeline}/plan`, body: definition(fx.pipeline) }),
  },
  'GET /v1/pipelines/:name/tags': { access: VIEWER, foreign: 'not-found', call: (fx) => ({ path: `/v1/pipelines/${fx.pipeline}/tags` }) },
  'PUT /v1/pipelines/:name/tags/:tag': {
    access: OPERATOR,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/pipelines/${fx.pipeline}/tags/matrix`, body: { version: 1 } }),
  },
  'DELETE /v1/pipelines/:name/tags/:tag': {
    access: OPERATOR,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/pipelines/${fx.pipeline}/tags/never-set` }),
    reached: ['404:tag_not_found'],
  },
  'DELETE /v1/pipelines/:name': {
    access: OPERATOR,
    foreign: 'not-found',
    call: async (fx) => ({ path: `/v1/pipelines/${await fx.fresh.pipeline()}` }),
  },

  'POST /v1/pipelines/:name/runs': {
    access: OPERATOR,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/pipelines/${fx.pipeline}/runs`, body: {} }),
  },
  'GET /v1/runs': { access: VIEWER, foreign: 'own', call: () => ({ path: '/v1/runs' }) },
  'GET /v1/runs/:id': { access: VIEWER, foreign: 'not-found', call: (fx) => ({ path: `/v1/runs/${fx.runId}` }) },
  'POST /v1/runs/:id/cancel': {
    access: OPERATOR,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/runs/${fx.runId}/cancel` }),
    reached: [409],
  },
  'POST /v1/runs/:id/retry': { access: OPERATOR, foreign: 'not-found', call: (fx) => ({ path: `/v1/runs/${fx.runId}/retry`, body: {} }) },
  'POST /v1/runs/:id/approvals/:stepId': {
    access: VIEWER,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/runs/${fx.runId}/approvals/hello`, body: { approve: true } }),
    reached: ['404:step_not_found'],
  },
  'GET /v1/runs/:id/events': { access: VIEWER, foreign: 'not-found', call: (fx) => ({ path: `/v1/runs/${fx.runId}/events` }) },
  'GET /v1/runs/:id/logs': { access: VIEWER, foreign: 'not-found', call: (fx) => ({ path: `/v1/runs/${fx.runId}/logs` }) },
  'GET /v1/runs/:id/artifacts': { access: VIEWER, foreign: 'not-found', call: (fx) => ({ path: `/v1/runs/${fx.runId}/artifacts` }) },
  'GET /v1/runs/:id/artifacts/:name': {
    access: VIEWER,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/runs/${fx.runId}/artifacts/${encodeURIComponent('exports/none.csv')}` }),
    reached: ['404:artifact_not_found'],
  },

  'POST /v1/schedules': {
    access: OPERATOR,
    foreign: 'own',
    call: (fx) => ({ path: '/v1/schedules', body: { pipeline: fx.pipeline, cron: '0 0 1 1 *', paused: true } }),
    reached: ['422:invalid_schedule'],
  },
  'GET /v1/schedules': { access: VIEWER, foreign: 'own', call: () => ({ path: '/v1/schedules' }) },
  'GET /v1/schedules/:id': { access: VIEWER, foreign: 'not-found', call: (fx) => ({ path: `/v1/schedules/${fx.schedule}` }) },
  'PATCH /v1/schedules/:id': {
    access: OPERATOR,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/schedules/${fx.schedule}`, body: { timezone: 'Europe/Berlin' } }),
  },
  'DELETE /v1/schedules/:id': {
    access: OPERATOR,
    foreign: 'not-found',
    call: async (fx) => ({ path: `/v1/schedules/${await fx.fresh.schedule()}` }),
  },
  'POST /v1/schedules/:id/pause': {
    access: OPERATOR,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/schedules/${fx.schedule}/pause` }),
  },
  'POST /v1/schedules/:id/resume': {
    access: OPERATOR,
    foreign: 'not-found',
    call: async (fx) => ({ path: `/v1/schedules/${await fx.fresh.schedule()}/resume` }),
  },
  'POST /v1/schedules/:id/trigger': {
    access: OPERATOR,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/schedules/${fx.schedule}/trigger`, body: {} }),
  },
  'POST /v1/schedules/:id/backfill': {
    access: OPERATOR,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/schedules/${fx.schedule}/backfill`, body: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:01Z' } }),
  },
  'POST /v1/schedules/:id/backfill/preview': {
    access: VIEWER,
    foreign: 'not-found',
    call: (fx) => ({
      path: `/v1/schedules/${fx.schedule}/backfill/preview`,
      body: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
    }),
  },

  'POST /v1/triggers': {
    access: OPERATOR,
    foreign: 'own',
    call: (fx) => ({ path: '/v1/triggers', body: { type: 'webhook', pipeline: fx.pipeline } }),
    reached: ['422:invalid_trigger'],
  },
  'GET /v1/triggers': { access: VIEWER, foreign: 'own', call: () => ({ path: '/v1/triggers' }) },
  'GET /v1/triggers/:id': { access: VIEWER, foreign: 'not-found', call: (fx) => ({ path: `/v1/triggers/${fx.trigger}` }) },
  'GET /v1/triggers/:id/deliveries': {
    access: VIEWER,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/triggers/${fx.trigger}/deliveries` }),
  },
  'PATCH /v1/triggers/:id': {
    access: OPERATOR,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/triggers/${fx.trigger}`, body: { pipeline: fx.pipeline } }),
  },
  'DELETE /v1/triggers/:id': {
    access: OPERATOR,
    foreign: 'not-found',
    call: async (fx) => ({ path: `/v1/triggers/${await fx.fresh.trigger()}` }),
  },
  'POST /v1/triggers/:id/rotate-secret': {
    access: OPERATOR,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/triggers/${fx.trigger}/rotate-secret` }),
  },
  // The signature is the credential: a bearer token changes nothing, an unsigned call is refused on the merits.
  'POST /v1/hooks/:id': {
    access: 'public',
    foreign: 'shared',
    call: (fx) => ({ path: `/v1/hooks/${fx.trigger}`, body: {} }),
    reached: ['401:invalid_signature'],
  },

  'GET /v1/alerts': { access: VIEWER, foreign: 'own', call: () => ({ path: '/v1/alerts' }) },
  'GET /v1/alerts/:id': { access: VIEWER, foreign: 'not-found', call: (fx) => ({ path: `/v1/alerts/${fx.alert}` }) },
  // Channels point at nothing that listens (127.0.0.1 is allowed in the test stack) and hear of SLA breaches only.
  'POST /v1/notification-channels': {
    access: ADMIN,
    foreign: 'own',
    call: () => ({ path: '/v1/notification-channels', body: { type: 'webhook', url: MATRIX_HOOK, events: ['sla.breached'] } }),
  },
  'GET /v1/notification-channels': { access: ADMIN, foreign: 'own', call: () => ({ path: '/v1/notification-channels' }) },
  'GET /v1/notification-channels/:id': {
    access: ADMIN,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/notification-channels/${fx.channel}` }),
  },
  'PATCH /v1/notification-channels/:id': {
    access: ADMIN,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/notification-channels/${fx.channel}`, body: { name: 'matrix' } }),
  },
  'DELETE /v1/notification-channels/:id': {
    access: ADMIN,
    foreign: 'not-found',
    call: async (fx) => ({ path: `/v1/notification-channels/${await fx.fresh.channel()}` }),
  },
  'POST /v1/notification-channels/:id/rotate-secret': {
    access: ADMIN,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/notification-channels/${fx.channel}/rotate-secret` }),
  },
  'POST /v1/notification-channels/:id/test': {
    access: ADMIN,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/notification-channels/${fx.channel}/test` }),
  },

  'PUT /v1/secrets/:name': {
    access: ADMIN,
    foreign: 'own',
    call: (fx, caller) => ({ path: `/v1/secrets/${caller === 'foreignAdmin' ? 'THEIRS' : fx.secret}`, body: { value: 'matrix-value' } }),
  },
  'GET /v1/secrets': { access: OPERATOR, foreign: 'own', call: () => ({ path: '/v1/secrets' }) },
  'DELETE /v1/secrets/:name': {
    access: ADMIN,
    foreign: 'not-found',
    call: async (fx) => ({ path: `/v1/secrets/${await fx.fresh.secret()}` }),
  },

  // Publishing needs a signed package; garbage reaches the verifier and is refused there.
  'POST /v1/plugins': {
    access: PUBLISHER,
    foreign: 'own',
    call: () => ({ path: '/v1/plugins', body: Buffer.from('not a package'), contentType: 'application/octet-stream' }),
    reached: [400, 422],
  },
  'GET /v1/plugins': { access: [...VIEWER, 'publisher'], foreign: 'shared', call: () => ({ path: '/v1/plugins' }) },
  'GET /v1/plugins/:name': {
    access: [...VIEWER, 'publisher'],
    foreign: 'shared',
    call: (fx) => ({ path: `/v1/plugins/${fx.plugin.name}` }),
  },
  'GET /v1/plugins/:name/versions/:version': {
    access: [...VIEWER, 'publisher'],
    foreign: 'shared',
    call: (fx) => ({ path: `/v1/plugins/${fx.plugin.name}/versions/${fx.plugin.version}` }),
  },
  'POST /v1/plugins/:name/enable': { access: ADMIN, foreign: 'own', call: () => ({ path: '/v1/plugins/quality/enable', body: {} }) },
  'POST /v1/plugins/:name/disable': { access: ADMIN, foreign: 'own', call: () => ({ path: '/v1/plugins/quality/disable' }) },
  'PUT /v1/plugins/:name/network': {
    access: ADMIN,
    foreign: 'own',
    call: () => ({ path: '/v1/plugins/postgres/network', body: { endpoints: ['db.example.com:5432'] } }),
  },
  // Another tenant sees the plugin in the catalogue, so it is told it does not own it (403), not 404.
  'POST /v1/plugins/:name/versions/:version/yank': {
    access: [...OPERATOR, 'publisher'],
    foreign: 'shared',
    foreignRefused: 403,
    call: (fx) => ({ path: `/v1/plugins/${fx.plugin.name}/versions/${fx.plugin.version}/yank` }),
  },
  'POST /v1/publishers/keys': {
    access: PUBLISHER,
    foreign: 'own',
    call: () => ({ path: '/v1/publishers/keys', body: { publicKey: generatePublisherKeyPair().publicKeyPem } }),
    reached: [409],
  },
  'GET /v1/publishers/keys': { access: PUBLISHER, foreign: 'own', call: () => ({ path: '/v1/publishers/keys' }), reached: [404] },
  'DELETE /v1/publishers/keys/:id': {
    access: PUBLISHER,
    foreign: 'not-found',
    call: async (fx) => ({ path: `/v1/publishers/keys/${await fx.fresh.publisherKeyId()}` }),
  },

  'GET /v1/observability/summary': { access: VIEWER, foreign: 'own', call: () => ({ path: '/v1/observability/summary?window=7d' }) },
  'GET /v1/observability/steps': { access: VIEWER, foreign: 'own', call: () => ({ path: '/v1/observability/steps?window=7d' }) },

  'GET /v1/models': { access: VIEWER, foreign: 'own', call: () => ({ path: '/v1/models' }) },
  'GET /v1/models/:name': { access: VIEWER, foreign: 'not-found', call: (fx) => ({ path: `/v1/models/${fx.model}` }) },
  'GET /v1/models/:name/versions': { access: VIEWER, foreign: 'not-found', call: (fx) => ({ path: `/v1/models/${fx.model}/versions` }) },
  'GET /v1/models/:name/comparisons': {
    access: VIEWER,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/models/${fx.model}/comparisons` }),
  },
  'GET /v1/models/:name/metrics': {
    access: VIEWER,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/models/${fx.model}/metrics?metric=accuracy` }),
  },
  'POST /v1/models/:name/versions/:version/promote': {
    access: OPERATOR,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/models/${fx.model}/versions/1/promote`, body: { stage: 'production' } }),
  },
  // Rollbacks walk back through the production history; once it is used up the handler answers 409.
  'POST /v1/models/:name/rollback': {
    access: OPERATOR,
    foreign: 'not-found',
    call: (fx) => ({ path: `/v1/models/${fx.model}/rollback` }),
    reached: ['409:no_previous_production'],
  },

  'GET /v1/lineage': { access: VIEWER, foreign: 'own', call: () => ({ path: '/v1/lineage?dataset=exports/matrix.json' }) },
  'GET /v1/lineage/facets': { access: 'public', foreign: 'shared', call: () => ({ path: '/v1/lineage/facets' }) },

  'GET /v1/billing/plans': { access: 'public', foreign: 'shared', call: () => ({ path: '/v1/billing/plans' }) },
  'GET /v1/billing/subscription': { access: VIEWER, foreign: 'own', call: () => ({ path: '/v1/billing/subscription' }) },
  'GET /v1/billing/usage': { access: VIEWER, foreign: 'own', call: () => ({ path: '/v1/billing/usage' }) },
  'GET /v1/billing/invoices': { access: VIEWER, foreign: 'own', call: () => ({ path: '/v1/billing/invoices' }) },
  'GET /v1/billing/usage/history': { access: VIEWER, foreign: 'own', call: () => ({ path: '/v1/billing/usage/history' }) },
  // The stack's API runs with billing off: reaching the handler means hearing so.
  'POST /v1/billing/checkout': {
    access: OWNER,
    foreign: 'own',
    call: () => ({ path: '/v1/billing/checkout', body: { plan: 'team' } }),
    reached: [404],
  },
  'POST /v1/billing/portal': { access: OWNER, foreign: 'own', call: () => ({ path: '/v1/billing/portal' }), reached: [404] },
  'POST /v1/billing/webhook': {
    access: 'public',
    foreign: 'shared',
    call: () => ({ path: '/v1/billing/webhook', body: {} }),
    reached: [404],
  },
};

/** Every route the app registers, read from Nest's own metadata (no server, no database). */
async function registeredRoutes(): Promise<string[]> {
  const config = {
    ...loadConfig({ BATON_HOME: mkdtempSync(join(tmpdir(), 'baton-routes-')) }),
    databaseUrl: 'postgres://unused',
    temporalAddress: 'unused:7233',
  };
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { preview: true, logger: false });
  const scanner = new MetadataScanner();
  const routes: string[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, metatype) ?? '');
      for (const name of scanner.getAllMethodNames(metatype.prototype)) {
        const handler = (metatype.prototype as Record<string, object>)[name];
        const method = Reflect.getMetadata(METHOD_METADATA, handler);
        if (method === undefined) continue;
        const path = `/${[base, String(Reflect.getMetadata(PATH_METADATA, handler) ?? '')].join('/')}`
          .replace(/\/+/g, '/')
          .replace(/(.)\/$/, '$1');
        routes.push(`${RequestMethod[method]} ${path}`);
      }
    }
  }
  await app.close();
  return routes.sort();
}

/** A model of the tenant's as steps register them (ctx.models writes these rows): v1 then v2 in production. */
async function seedModel(tenantId: string): Promise<string> {
  const name = uniqueName('matrix-model');
  const db = new pg.Pool({ connectionString: inject('databaseUrl'), max: 1 });
  try {
    const modelId = randomUUID();
    const [v1, v2] = [randomUUID(), randomUUID()];
    await db.query('INSERT INTO model (id, tenant_id, name) VALUES ($1, $2, $3)', [modelId, tenantId, name]);
    await db.query(
      `INSERT INTO model_version (id, tenant_id, model_id, version, stage, metrics, artifact) VALUES ($1, $3, $4, 1, 'archived', '{"accuracy": 0.8}', 'models/v1'), ($2, $3, $4, 2, 'production', '{"accuracy": 0.9}', 'models/v2')`,
      [v1, v2, tenantId, modelId],
    );
    await db.query(
      `INSERT INTO model_stage_change (id, tenant_id, model_id, version_id, version, from_stage, to_stage, reason, actor_kind, created_at)
       VALUES ($1, $3, $4, $5, 1, 'none', 'production', 'promote', 'user', now() - interval '1 minute'), ($2, $3, $4, $6, 2, 'none', 'production', 'promote', 'user', now())`,
      [randomUUID(), randomUUID(), tenantId, modelId, v1, v2],
    );
  } finally {
    await db.end();
  }
  return name;
}

async function session(email: string, password: string, tenantId: string): Promise<string> {
  return (await api().post('/v1/auth/login').send({ email, password, tenant: tenantId }).expect(200)).body.token;
}

/** A member of `tenant` with `role`, through an invitation as a person would join; returns a session and the user id. */
async function member(ownerToken: string, tenantId: string, role: Exclude<Role, 'publisher'>) {
  const email = `${role}-${randomUUID()}@example.test`;
  const invited = await api().post('/v1/members').set('authorization', `Bearer ${ownerToken}`).send({ email, role }).expect(201);
  const accepted = await api()
    .post('/v1/invitations/accept')
    .send({ token: invited.body.token, password: 'matrix password 123' })
    .expect(200);
  const me = await api().get('/v1/me').set('authorization', `Bearer ${accepted.body.token}`).expect(200);
  return { token: await session(email, 'matrix password 123', tenantId), userId: me.body.user.id as string };
}

describe('access matrix', () => {
  let routes: string[];
  let fx: Fixtures;
  let foreignAdmin: string;

  beforeAll(async () => {
    routes = await registeredRoutes();
    const a = await newTenant();
    const owner = (path: string) => api().post(path).set('authorization', `Bearer ${a.token}`);
    const [admin, operator, viewer] = await Promise.all(
      (['admin', 'operator', 'viewer'] as const).map((role) => member(a.token, a.tenantId, role)),
    );
    // `publisher` is a role for plugin authors' API keys, not for members.
    const publisherKey = (await owner('/v1/api-keys').send({ name: 'publishing', role: 'publisher' }).expect(201)).body.key;
    const pipeline = uniqueName('matrix');
    await a.put(`/v1/pipelines/${pipeline}`, definition(pipeline)).expect(201);
    const runId = (await a.post(`/v1/pipelines/${pipeline}/runs`, {}).expect(202)).body.id;
    await waitForRun(a, runId);
    // Fires once a year, and never while the matrix runs: only the routes are exercised.
    const newSchedule = async () =>
      (await owner('/v1/schedules').send({ pipeline, cron: '0 0 1 1 *', paused: true }).expect(201)).body.id as string;
    const schedule = await newSchedule();
    const newTrigger = async () => (await owner('/v1/triggers').send({ type: 'webhook', pipeline }).expect(201)).body.id as string;
    const trigger = await newTrigger();
    const newChannel = async () =>
      (
        await owner('/v1/notification-channels')
          .send({ type: 'webhook', url: MATRIX_HOOK, events: ['sla.breached'] })
          .expect(201)
      ).body.id as string;
    const channel = await newChannel();
    // A run that fails raises an alert within the stack's poll interval.
    const failing = uniqueName('matrix-fails');
    await a
      .put(
        `/v1/pipelines/${failing}`,
        newPipeline(failing, { boom: { uses: 'core/fail@^1', with: { message: 'matrix', retryable: false } } }),
      )
      .expect(201);
    const failedRun = (await a.post(`/v1/pipelines/${failing}/runs`, {}).expect(202)).body.id;
    await waitForRun(a, failedRun);
    let alert: string | undefined;
    await until(async () => (alert = (await a.get(`/v1/alerts?run=${failedRun}`).expect(200)).body.items[0]?.id) !== undefined, 20_000);
    const secret = `MATRIX_${randomUUID().slice(0, 8).toUpperCase()}`;
    await api().put(`/v1/secrets/${secret}`).set('authorization', `Bearer ${a.token}`).send({ value: 'matrix-value' }).expect(201);
    const publisherName = uniqueName('matrix-pub');
    const key = generatePublisherKeyPair();
    await owner('/v1/publishers/keys').send({ publicKey: key.publicKeyPem, publisher: publisherName }).expect(201);
    const pluginName = uniqueName('matrix-plugin');
    const folder = await packTestPlugin({ name: pluginName, version: '1.0.0', publisher: publisherName });
    signPackage(folder, key);
    await owner('/v1/plugins')
      .set('content-type', 'application/octet-stream')
      .send(await packageArchive(folder))
      .expect(201);

    const model = await seedModel(a.tenantId);

    const b = await newTenant();
    foreignAdmin = (await member(b.token, b.tenantId, 'admin')).token;
    fx = {
      a,
      pipeline,
      runId,
      schedule,
      trigger,
      secret,
      channel,
      alert: alert!,
      model,
      publisherName,
      viewerUserId: viewer.userId,
      plugin: { name: pluginName, version: '1.0.0' },
      tokens: { owner: a.token, admin: admin.token, operator: operator.token, viewer: viewer.token, publisher: publisherKey },
      fresh: {
        pipeline: async () => {
          const name = uniqueName('doomed');
          await a.put(`/v1/pipelines/${name}`, definition(name)).expect(201);
          return name;
        },
        schedule: newSchedule,
        trigger: newTrigger,
        channel: newChannel,
        secret: async () => {
          const name = `DOOMED_${randomUUID().slice(0, 8).toUpperCase()}`;
          await api().put(`/v1/secrets/${name}`).set('authorization', `Bearer ${a.token}`).send({ value: 'doomed-value' }).expect(201);
          return name;
        },
        apiKeyId: async () => (await owner('/v1/api-keys').send({ name: 'doomed', role: 'viewer' }).expect(201)).body.id,
        memberId: async () => (await member(a.token, a.tenantId, 'viewer')).userId,
        invitationToken: async () =>
          (
            await owner('/v1/members')
              .send({ email: `inv-${randomUUID()}@example.test`, role: 'viewer' })
              .expect(201)
          ).body.token,
        invitationId: async () =>
          (
            await owner('/v1/members')
              .send({ email: `inv-${randomUUID()}@example.test`, role: 'viewer' })
              .expect(201)
          ).body.invitation.id,
        publisherKeyId: async () =>
          (await owner('/v1/publishers/keys').send({ publicKey: generatePublisherKeyPair().publicKeyPem }).expect(201)).body.id,
      },
    };
  });

  it('has a row for every registered route, and no row for a route that is gone', () => {
    expect(
      routes.filter((r) => !(r in MATRIX)),
      'routes missing from the access matrix',
    ).toEqual([]);
    expect(
      Object.keys(MATRIX).filter((r) => !routes.includes(r)),
      'matrix rows for routes that no longer exist',
    ).toEqual([]);
  });

  const callers: Caller[] = ['anonymous', 'owner', 'admin', 'operator', 'viewer', 'publisher', 'apiKey', 'foreignAdmin', 'installation'];

  it.each(Object.keys(MATRIX))('%s', async (route) => {
    const spec = MATRIX[route];
    const method = route.split(' ')[0].toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    const cells: string[] = [];
    for (const caller of callers) {
      const call = await spec.call(fx, caller);
      const test = api()[method](call.path);
      const credential =
        caller === 'anonymous'
          ? undefined
          : caller === 'apiKey'
            ? fx.a.apiKey
            : caller === 'foreignAdmin'
              ? foreignAdmin
              : caller === 'installation'
                ? inject('adminToken')
                : fx.tokens[caller];
      if (credential) test.set('authorization', `Bearer ${credential}`);
      if (call.contentType) test.set('content-type', call.contentType);
      const response = await (call.body === undefined ? test : test.send(call.body as object));
      const expected = expectation(spec, caller);
      const ok =
        expected === 'allowed'
          ? (response.status >= 200 && response.status < 300) ||
            (spec.reached ?? []).some((r) => r === response.status || r === `${response.status}:${response.body?.code}`)
          : response.status === expected;
      if (!ok) cells.push(`${caller}: expected ${expected}, got ${response.status} ${JSON.stringify(response.body).slice(0, 160)}`);
      if (ok && caller === 'foreignAdmin' && spec.foreign === 'own' && method === 'get') {
        const text = JSON.stringify(response.body);
        for (const mine of [fx.pipeline, fx.runId, fx.secret, fx.a.email, fx.a.tenantId])
          if (text.includes(mine)) cells.push(`${caller}: sees tenant A's ${mine}`);
      }
    }
    expect(cells).toEqual([]);
  });
});

/** What a caller must get: `allowed`, or the one status that refuses it. */
function expectation(spec: RouteSpec, caller: Caller): 'allowed' | number {
  if (spec.access === 'public') return 'allowed';
  if (spec.access === 'installation') return caller === 'installation' ? 'allowed' : 401;
  if (caller === 'anonymous') return 401;
  // The admin token is not a tenant credential.
  if (caller === 'installation') return 401;
  const role: Role = caller === 'apiKey' ? 'operator' : caller === 'foreignAdmin' ? 'admin' : caller;
  if (!spec.access.includes(role)) return 403;
  if (caller === 'foreignAdmin' && spec.foreign === 'not-found') return 404;
  if (caller === 'foreignAdmin' && spec.foreignRefused) return spec.foreignRefused;
  return 'allowed';
}
