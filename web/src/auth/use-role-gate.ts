import { hasRole, useMe, type Role } from './use-me';

export interface RoleGate {
  /** False too while the role is still loading: the control waits rather than flickering on. */
  allowed: boolean;
  /** Why not, once the role is known: shown with the hidden or disabled control (the API checks again either way). */
  why?: string;
}

/** Whether the signed-in member may do `doing`, which needs the role `least`, and if not, a sentence saying why. */
export function useRoleGate(least: Exclude<Role, 'publisher'>, doing: string): RoleGate {
  const role = useMe().data?.role;
  if (hasRole(role, least)) return { allowed: true };
  return { allowed: false, why: role ? `${doing} needs the ${least} role; yours is ${role}.` : undefined };
}

/** A description followed by why the reader cannot act on it, when that is so. */
export const withReason = (text: string, why: string | undefined) => (why ? `${text} ${why}` : text);
