import { describe, expect, it } from 'vitest';
import { roleSatisfies } from './roles.js';

describe(roleSatisfies.name, () => {
  it('orders owner > admin > operator > viewer', () => {
    expect(roleSatisfies('owner', 'admin')).toBe(true);
    expect(roleSatisfies('operator', 'operator')).toBe(true);
    expect(roleSatisfies('operator', 'admin')).toBe(false);
    expect(roleSatisfies('viewer', 'operator')).toBe(false);
  });

  it('keeps publisher apart from the tenant roles', () => {
    expect(roleSatisfies('publisher', 'viewer')).toBe(false);
    expect(roleSatisfies('publisher', 'publisher')).toBe(true);
    expect(roleSatisfies('admin', 'publisher')).toBe(false);
    expect(roleSatisfies('owner', 'publisher')).toBe(true);
  });
});
