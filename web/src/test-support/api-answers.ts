import { http, HttpResponse } from 'msw';
import type { FieldProblem } from '../api/problem';
import type { Me, Role } from '../auth/use-me';

/** GET /v1/me answered as a signed-in person with `role`, in a tenant on `plan`. */
export function signedInAs(role: Role, plan = 'self-hosted') {
  const me: Me = {
    user: { id: '00000000-0000-4000-8000-000000000001', email: 'ada@example.com', emailVerified: true, createdAt: '2026-01-01T00:00:00Z' },
    tenants: [{ id: '00000000-0000-4000-8000-0000000000aa', name: 'acme', role }],
    apiKeyId: null,
    tenant: { id: '00000000-0000-4000-8000-0000000000aa', name: 'acme', plan, status: 'active', createdAt: '2026-01-01T00:00:00Z' },
    role,
    plan,
  };
  return http.get('*/v1/me', () => HttpResponse.json(me));
}

/** The API's problem+json answer, with field errors and the code's own members (`decision`, `metric`…) when given. */
export const problem = (status: number, code: string, detail: string, errors?: FieldProblem[], members: Record<string, unknown> = {}) =>
  HttpResponse.json(
    { type: `urn:baton:problem:${code}`, title: code, status, code, detail, ...(errors ? { errors } : {}), ...members },
    { status, headers: { 'content-type': 'application/problem+json' } },
  );
