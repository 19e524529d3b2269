import { z } from 'zod';
import { instant } from '../../common/openapi/views.js';

/** Roles a mapping may give (`publisher` is for API keys of plugin authors). */
const memberRole = z.enum(['owner', 'admin', 'operator', 'viewer']);

const slug = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, { message: 'Must be lower-case letters, digits and inner dashes (at most 63)' })
  .describe('What members type on the sign-in page, and the path of GET /v1/auth/sso/{slug}/login; unique on the installation');

/** An OAuth scope token (RFC 6749 §3.3). */
const scope = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/, { message: 'Must be a scope token' });

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, { message: 'Must be a domain name such as example.com' });

export const PutSsoBody = z.strictObject({
  slug,
  issuer: z
    .url({ protocol: /^https?$/, message: 'Must be the http(s) URL of an OpenID Connect issuer' })
    .max(500)
    .describe('The issuer identifier; its /.well-known/openid-configuration is read when saved'),
  clientId: z.string().min(1).max(500),
  clientSecret: z
    .string()
    .min(1)
    .max(2000)
    .optional()
    .describe('Write-only: stored encrypted, never returned. Required the first time; left out, the stored one stays'),
  scopes: z.array(scope).max(20).default(['openid', 'email', 'profile']).describe('Asked for at sign-in; `openid` is always added'),
  groupsClaim: z.string().min(1).max(100).default('groups').describe('The claim (of the ID token or the userinfo) listing the groups'),
  roleMapping: z
    .record(z.string().min(1).max(300), memberRole)
    .default({})
    .refine((mapping) => Object.keys(mapping).length <= 200, 'At most 200 groups')
    .describe('Group → role; a person in several mapped groups gets the highest of their roles'),
  defaultRole: memberRole.nullable().default(null).describe('The role of a person in no mapped group; null refuses them'),
  allowedDomains: z
    .array(domain)
    .max(50)
    .default([])
    .describe("E-mail domains people may sign in with (their address's domain exactly); empty: any"),
  passwordLogin: z
    .boolean()
    .default(true)
    .describe("false: the tenant's members sign in with SSO only; refused until an owner has signed in with SSO through this issuer"),
});
export type PutSsoBody = z.output<typeof PutSsoBody>;

export const SsoView = z.strictObject({
  slug: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  clientSecretSet: z.literal(true).describe('The secret itself is never returned'),
  scopes: z.array(z.string()),
  groupsClaim: z.string(),
  roleMapping: z.record(z.string(), memberRole),
  defaultRole: memberRole.nullable(),
  allowedDomains: z.array(z.string()),
  passwordLogin: z.boolean(),
  redirectUri: z.string().describe("What to register as the client's redirect URI at the provider"),
  loginUrl: z.string().describe('Where a sign-in with SSO starts'),
  createdAt: instant,
  updatedAt: instant,
});
