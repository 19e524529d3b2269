import { describe, expect, it } from 'vitest';
import { describeOidcError } from './oidc-client.provider.js';
import { groupsOf, mappedRole } from './sso-login.service.js';

describe('SSO role mapping', () => {
  const settings = { roleMapping: { ops: 'operator', admins: 'admin', owners: 'owner' } as const, defaultRole: null };

  it('gives the highest role of the mapped groups, else the default role, else none', () => {
    expect(mappedRole(settings, ['ops', 'admins', 'unmapped'])).toBe('admin');
    expect(mappedRole(settings, ['owners', 'ops'])).toBe('owner');
    expect(mappedRole(settings, ['sales'])).toBeNull();
    expect(mappedRole({ ...settings, defaultRole: 'viewer' }, [])).toBe('viewer');
  });

  it('maps no group named like an Object property', () => {
    expect(mappedRole(settings, ['constructor', '__proto__', 'toString'])).toBeNull();
  });

  it('reads groups as a list or a single string, and nothing else', () => {
    expect(groupsOf({ groups: ['a', 1, 'b'] }, 'groups')).toEqual(['a', 'b']);
    expect(groupsOf({ roles: 'admins' }, 'roles')).toEqual(['admins']);
    expect(groupsOf({ groups: { a: 1 } }, 'groups')).toEqual([]);
    expect(groupsOf({}, 'groups')).toEqual([]);
  });
});

describe(describeOidcError.name, () => {
  it("joins openid-client's message with its causes'", () => {
    const inner = new Error('unexpected JWT "aud" (audience) claim value');
    expect(describeOidcError(new Error('unexpected JWT claim value encountered', { cause: inner }))).toBe(
      'unexpected JWT claim value encountered: unexpected JWT "aud" (audience) claim value',
    );
  });
});
