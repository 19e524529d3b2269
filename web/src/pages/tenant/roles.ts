import { hasRole, type Role } from '../../auth/use-me';

export type MemberRole = Exclude<Role, 'publisher'>;

const MEMBER_ROLES: MemberRole[] = ['owner', 'admin', 'operator', 'viewer'];

const ROLE_HINTS: Record<Role, string> = {
  owner: 'everything, billing and other owners included',
  admin: 'members, API keys, secrets, plugins, audit log',
  operator: 'pipelines, runs, schedules, triggers',
  viewer: 'reads everything but secrets',
  publisher: 'publishes plugins only',
};

/** The member roles `mine` may grant or change: none above its own (docs/api.md). */
export function grantableRoles(mine: Role | undefined): MemberRole[] {
  return MEMBER_ROLES.filter((role) => hasRole(mine, role));
}

/** An API key may also be a publisher's, which only an owner grants. */
export function grantableKeyRoles(mine: Role | undefined): Role[] {
  return mine === 'owner' ? [...grantableRoles(mine), 'publisher'] : grantableRoles(mine);
}

/** What a role may do, said next to the control that grants it. */
export const roleHint = (role: Role | null | undefined) => (role ? `${role}: ${ROLE_HINTS[role]}` : undefined);
