export const ROLES = ['owner', 'admin', 'operator', 'viewer', 'publisher'] as const;
export type Role = (typeof ROLES)[number];

/** Tenant roles, each including the ones after it. `publisher` stands apart (plugin publishing). */
const RANK: Record<Exclude<Role, 'publisher'>, number> = { owner: 4, admin: 3, operator: 2, viewer: 1 };

export function roleSatisfies(actual: Role, required: Role): boolean {
  if (required === 'publisher') return actual === 'publisher' || actual === 'owner';
  if (actual === 'publisher') return false;
  return RANK[actual] >= RANK[required];
}
