import { describe, expect, it } from 'vitest';
import { endpointAllowed, formatEndpoint, parseEndpoint, patternProblem } from './network-endpoints.js';

describe('network endpoints', () => {
  it('parses host:port, normalised as the relay compares it', () => {
    expect(parseEndpoint('DB.Example.com.:5432')).toEqual({ host: 'db.example.com', port: 5432 });
    expect(parseEndpoint('[::1]:5432')).toEqual({ host: '::1', port: 5432 });
    expect(formatEndpoint({ host: '::1', port: 5432 })).toBe('[::1]:5432');
    expect(parseEndpoint('db.example.com')).toMatch(/not host:port/);
    expect(parseEndpoint('::1:5432')).toMatch(/IPv6 address in brackets/);
    expect(parseEndpoint('db.example.com:0')).toMatch(/not a port/);
    expect(parseEndpoint('db.example.com:70000')).toMatch(/not a port/);
    expect(parseEndpoint('*.example.com:5432')).toMatch(/not a host name/);
    expect(parseEndpoint('db example:5432')).toMatch(/not a host name/);
  });

  it('checks patterns and matches endpoints against them', () => {
    expect(['*:*', '*:5432', '*.example.com:5432-5439', 'db.internal:6432', '10.0.0.5:5432', '[fd00::1]:*'].map(patternProblem)).toEqual(
      Array(6).fill(undefined),
    );
    expect(patternProblem('*:5432-5000')).toMatch(/range of ports/);
    expect(patternProblem('db:')).toMatch(/not host:port/);
    expect(patternProblem('**:1')).toMatch(/not \*, \*\.domain/);

    const patterns = ['*.example.com:5432-5439', 'db.internal:6432'];
    expect(endpointAllowed({ host: 'a.example.com', port: 5433 }, patterns)).toBe(true);
    expect(endpointAllowed({ host: 'example.com', port: 5432 }, patterns)).toBe(false);
    expect(endpointAllowed({ host: 'a.example.com', port: 5440 }, patterns)).toBe(false);
    expect(endpointAllowed({ host: 'db.internal', port: 6432 }, patterns)).toBe(true);
    expect(endpointAllowed({ host: 'db.internal', port: 5432 }, patterns)).toBe(false);
    expect(endpointAllowed({ host: 'anything', port: 1 }, ['*:*'])).toBe(true);
  });
});
