import type { TenantEntity } from './entities/tenant.entity.js';
import type { UserAccountEntity } from './entities/user-account.entity.js';

export const toTenantResponse = (t: TenantEntity) => ({
  id: t.id,
  name: t.name,
  plan: t.plan,
  status: t.status,
  createdAt: t.createdAt.toISOString(),
});
export const toUserResponse = (u: UserAccountEntity) => ({
  id: u.id,
  email: u.email,
  emailVerified: u.emailVerifiedAt !== null,
  createdAt: u.createdAt.toISOString(),
});
