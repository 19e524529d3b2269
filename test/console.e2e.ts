import request from 'supertest';
import { describe, expect, inject, it } from 'vitest';

const call = () => request(inject('baseUrl'));
const nonceOf = (policy: string) => /script-src 'self' 'nonce-([^']+)'/.exec(policy)?.[1];

describe('the web console, served by the API at /', () => {
  it('answers every console path with its page under a strict CSP whose nonce is fresh per answer', async () => {
    const paths = [
      '/',
      '/runs',
      '/runs/7d1c7e43-1a3c-4a5f-9c1b-000000000000?step=a',
      '/billing/success?session_id=cs_1',
      '/billing/cancelled',
      '/account/verify',
    ];
    const nonces = new Set<string>();
    for (const path of paths) {
      const page = await call()
        .get(path)
        .expect(200)
        .expect('content-type', /text\/html/);
      const policy = page.headers['content-security-policy'];
      const nonce = nonceOf(policy);
      expect(nonce, `${path}: ${policy}`).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      nonces.add(nonce!);
      expect(policy).toContain(`style-src 'self' 'nonce-${nonce}'`);
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).toContain("object-src 'none'");
      expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.text).toContain('<div id="root">');
      // Every script and style element of the page carries this answer's nonce, and no placeholder is left.
      expect(page.text).not.toContain('__BATON_CSP_NONCE__');
      for (const tag of page.text.match(/<(script|link|meta property="csp-nonce")[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
    }
    expect(nonces.size).toBe(paths.length);
  });

  it('serves its hashed assets for good, and no file outside them', async () => {
    const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec((await call().get('/').expect(200)).text)![1];
    const asset = await call()
      .get(script)
      .expect(200)
      .expect('content-type', /javascript/);
    expect(asset.headers['cache-control']).toContain('immutable');
    // The entry's budget: what every first visit loads before any page's own chunk.
    expect(Number(asset.headers['content-length']), `${script} is the entry`).toBeLessThan(600 * 1024);
    for (const escape of [
      '/assets/missing.js',
      '/assets/../index.html',
      '/assets/%2e%2e/index.html',
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e%2f%2e%2e%2fsrc%2fconsole%2fconsole-pages.js',
    ]) {
      const refused = await call().get(escape);
      expect([403, 404], escape).toContain(refused.status);
      expect(refused.text).not.toMatch(/<div id="root">|"name": "baton"|serveConsole/);
    }
  });

  it('leaves the API its meaning: unknown API paths stay problem+json 404s and only GET falls back to the page', async () => {
    const unknown = await call()
      .get('/v1/no-such-route')
      .expect(404)
      .expect('content-type', /application\/problem\+json/);
    expect(unknown.body.status).toBe(404);
    await call()
      .get('/v1')
      .expect(404)
      .expect('content-type', /application\/problem\+json/);
    await call().get('/healthz').expect(200).expect('content-type', /json/);
    await call().get('/openapi.json').expect(200).expect('content-type', /json/);
    await call()
      .get('/docs')
      .expect((response) => expect(response.status).toBeLessThan(400));
    await call().get('/metrics').expect(401);
    await call().get('/metrics/extra').expect(404);
    await call().post('/runs').send({}).expect(404);
    await call().delete('/').expect(404);
  });
});
