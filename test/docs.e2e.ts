import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { CONFIG_VARIABLES } from '../src/runtime/config/config.js';
import { api } from './support/builders.js';

const DOCS = ['docs/security.md', 'docs/operations.md'];
/** Names in capitals that are not configuration: HTTP methods and headers, codes. */
const NOT_VARIABLES = new Set([
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'PUBLIC',
  'CONNECT',
  'COPY',
  'PROGRAM',
  'RFC',
  'HMAC',
  'JSON',
  'TLS',
  'SMTP',
  'API',
  'IPC',
  'CPU',
  'OWASP',
  'WASI',
  'CGNAT',
  'DNS',
  'HTTP',
  'TCP',
  'URL',
  'SIGUSR1',
]);

/** The living docs name configuration variables, routes and metrics: each must exist, so the docs cannot drift from the code silently. */
describe('docs', () => {
  it.each(DOCS)('%s names only configuration variables, routes and metrics that exist', async (path) => {
    const text = readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
    const variables = [...new Set([...text.matchAll(/`([A-Z][A-Z0-9_]{2,})`/g)].map((m) => m[1]))].filter(
      (name) => !NOT_VARIABLES.has(name),
    );
    expect(variables.filter((name) => !(name in CONFIG_VARIABLES))).toEqual([]);

    const paths = Object.keys((await api().get('/openapi.json').expect(200)).body.paths as Record<string, unknown>);
    const routes = [...new Set([...text.matchAll(/`(?:GET |POST |PUT |DELETE |PATCH )?(\/v1\/[^`\s]*)/g)].map((m) => m[1]))];
    const known = (route: string) =>
      paths.includes(route) || paths.some((candidate) => new RegExp(`^${candidate.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(route));
    expect(routes.filter((route) => !known(route.replace(/\*$/, 'x')))).toEqual([]);

    const scraped = (
      await api()
        .get('/metrics')
        .set('authorization', `Bearer ${inject('adminToken')}`)
        .expect(200)
    ).text;
    const metrics = [...new Set([...text.matchAll(/`(baton_[a-z_]+)/g)].map((m) => m[1]))];
    expect(metrics.filter((name) => !scraped.includes(`# HELP ${name} `))).toEqual([]);
    // Not vacuous: each doc names enough to check.
    expect(variables.length + routes.length + metrics.length).toBeGreaterThan(5);
  });
});
