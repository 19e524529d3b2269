import { z } from 'zod';
import { ROLES } from '../../common/auth/roles.js';

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
