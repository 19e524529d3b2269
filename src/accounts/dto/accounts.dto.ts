import { z } from 'zod';
import { ROLES } from '../../common/auth/roles.js';
import { instant, pageOf } from '../../common/openapi/views.js';

const email = z
  .email({ message: 'Must be an email address' })
  .max(254)
  .transform((v) => v.toLowerCase());

export const SignupBody = z.strictObject({
  tenantName: z.string().trim().min(1).max(100),
  email,
  password: z.string().min(10, { message: 'Must be at least 10 characters' }).max(200),
});
export type SignupBody = z.output<typeof SignupBody>;

export const LoginBody = z.strictObject({
  email,
  password: z.string().min(1).max(200),
  /** Tenant id or name, for users who belong to several tenants. */
  tenant: z.string().min(1).max(100).optional(),
});
export type LoginBody = z.output<typeof LoginBody>;

export const SwitchTenantBody = z.strictObject({ tenant: z.uuid().describe('The id of another tenant of the signed-in person') });
export type SwitchTenantBody = z.output<typeof SwitchTenantBody>;

export const CreateApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: z.enum(ROLES),
});
export type CreateApiKeyBody = z.output<typeof CreateApiKeyBody>;

/** Tenant roles a member can hold (`publisher` is for API keys of plugin authors). */
const memberRole = z.enum(['owner', 'admin', 'operator', 'viewer']);

export const AddMemberBody = z.strictObject({ email, role: memberRole });
export type AddMemberBody = z.output<typeof AddMemberBody>;

export const ChangeMemberBody = z.strictObject({ role: memberRole });
export type ChangeMemberBody = z.output<typeof ChangeMemberBody>;

export const AcceptInvitationBody = z.strictObject({
  token: z.string().min(20).max(200),
  /** For someone without an account yet; an existing account accepts signed in as itself instead. */
  password: z.string().min(10, { message: 'Must be at least 10 characters' }).max(200).optional(),
});
export type AcceptInvitationBody = z.output<typeof AcceptInvitationBody>;

const newPassword = z.string().min(10, { message: 'Must be at least 10 characters' }).max(200);
const mailedToken = z.string().min(20).max(200);

export const TokenBody = z.strictObject({ token: mailedToken });
export type TokenBody = z.output<typeof TokenBody>;

export const EmailBody = z.strictObject({ email });
export type EmailBody = z.output<typeof EmailBody>;

export const ResetPasswordBody = z.strictObject({ token: mailedToken, password: newPassword });
export type ResetPasswordBody = z.output<typeof ResetPasswordBody>;

export const ChangePasswordBody = z.strictObject({ currentPassword: z.string().min(1).max(200), newPassword });
export type ChangePasswordBody = z.output<typeof ChangePasswordBody>;

export const TenantView = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  plan: z.string(),
  status: z.enum(['active', 'suspended']),
  createdAt: instant,
});
export const TenantPage = pageOf(TenantView);

export const UserView = z.strictObject({ id: z.uuid(), email: z.email(), emailVerified: z.boolean(), createdAt: instant });

/** A session: `Authorization: Bearer <token>` until `expiresAt`. */
export const Session = z.strictObject({ token: z.string(), expiresAt: instant });

export const TenantCreated = z.strictObject({ tenant: TenantView, user: UserView });
export const SignedUp = z.strictObject({ tenant: TenantView, user: UserView, token: z.string() });
export const Verified = z.strictObject({ user: UserView });

/** A tenant the signed-in person belongs to, for switching between them. */
export const MembershipOfUser = z.strictObject({ id: z.uuid(), name: z.string(), role: z.enum(ROLES) });

export const Me = z.strictObject({
  user: UserView.nullable().describe('The person, when the credential is a session'),
  tenants: z.array(MembershipOfUser).describe("The person's tenants, oldest membership first (empty for an API key)"),
  apiKeyId: z.uuid().nullable().describe('The key, when the credential is an API key'),
  tenant: TenantView,
  role: z.enum(ROLES),
  plan: z.string().describe('The plan in force'),
});

export const ApiKeyView = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  role: z.enum(ROLES),
  prefix: z.string(),
  createdAt: instant,
  lastUsedAt: instant.nullable(),
});
export const ApiKeyPage = pageOf(ApiKeyView);
/** The key itself is shown once, here. */
export const ApiKeyCreated = z.strictObject({ ...ApiKeyView.shape, key: z.string() });

export const MemberView = z.strictObject({ userId: z.uuid(), email: z.email(), role: memberRole, joinedAt: instant });
export const MemberList = z.strictObject({
  items: z.array(MemberView),
  nextCursor: z.null().describe('Always null: every member is on the one page'),
});

/** The invitation and its token (shown once, and mailed). */
export const MemberInvited = z.strictObject({
  invitation: z.strictObject({ id: z.uuid(), email: z.email(), role: memberRole, expiresAt: instant }),
  token: z.string(),
});

/** An invitation not accepted, revoked or expired yet (never its token, which only the invited address has). */
export const PendingInvitation = z.strictObject({
  id: z.uuid(),
  email: z.email(),
  role: memberRole,
  invitedBy: z.uuid().nullable().describe('The member who sent it; null once they left or for the installation operator'),
  createdAt: instant,
  expiresAt: instant,
});
export const PendingInvitationList = z.strictObject({ items: z.array(PendingInvitation) });

/** The tenant joined; with a session (`token`, `expiresAt`) when the invitation made a new account. */
export const InvitationAccepted = z.strictObject({
  tenantId: z.uuid(),
  role: memberRole,
  token: z.string().optional(),
  expiresAt: instant.optional(),
});
