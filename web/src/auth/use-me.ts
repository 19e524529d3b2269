import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../api/client';
import type { components, paths } from '../api/schema';

export type Me = paths['/v1/me']['get']['responses'][200]['content']['application/json'];
export type Role = Me['role'];

/** Who is signed in: user, tenant, role and plan (GET /v1/me). */
export function useMe() {
  return useQuery({ queryKey: ['me'], queryFn: () => ok(api.GET('/v1/me')), staleTime: 30_000 });
}

const RANK: Record<Role, number> = { owner: 4, admin: 3, operator: 2, viewer: 1, publisher: 0 };

/** Whether a role includes the least role a route needs (docs/api.md: owner > admin > operator > viewer; publisher stands apart). */
export function hasRole(role: Role | undefined, least: Exclude<Role, 'publisher'>): boolean {
  return role !== undefined && RANK[role] >= RANK[least];
}

export type Problem = components['schemas']['Problem'];
