import http from 'node:http';
import { describe, expect, inject, it } from 'vitest';
import { api, newPipeline, newTenant, runToEnd, stepOf, uniqueName } from './support/builders.js';

/**
 * A JSON request announcing a body just over the 1 MiB limit. The server answers such a
 * Content-Length at once and may close the connection while a client is still writing the body
 * (RFC 9110 §15.5.14), so this client sends only the headers and waits for the answer: the body is
 * never needed to refuse it, and a write racing the close cannot fail the test.
 */
function oversized(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, baseUrl), {
      method,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': 1024 * 1024 + 10 },
    });
    request.on('response', (answer) => {
      let text = '';
      answer.setEncoding('utf8');
      answer.on('data', (chunk: string) => (text += chunk));
      answer.on('end', () => {
        request.destroy();
        resolve({ status: answer.statusCode!, body: JSON.parse(text), headers: answer.headers as Record<string, string> });
      });
    });
    request.on('error', reject);
    request.flushHeaders();
  });
}

const problem = (body: Record<string, unknown>, status: number) => {
  expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
  expect(JSON.stringify(body)).not.toMatch(/at .*\.js:\d+/);
};

describe('bad input', () => {
  it('malformed JSON is a 400 problem, not a 500', async () => {
    const response = await api().post('/v1/signup').set('content-type', 'application/json').send('{"tenantName": ').expect(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    problem(response.body, 400);
  });

  it('unknown fields and wrong types are named', async () => {
    const response = await api()
      .post('/v1/signup')
      .send({ tenantName: 'x', email: 'not-an-email', password: 'long enough password', plan: 'enterprise' })
      .expect(400);
    problem(response.body, 400);
    expect(response.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'email', message: expect.any(String) },
        { path: 'plan', message: 'Unknown field' },
      ]),
    );
  });

  it('bodies over 1 MiB are refused with 413, before they are read', async () => {
    const tenant = await newTenant();
    const response = await oversized(tenant.baseUrl, 'PUT', '/v1/pipelines/big', { authorization: `Bearer ${tenant.apiKey}` });
    expect(response.status).toBe(413);
    problem(response.body, 413);
  });

  it('invalid ids, names and query parameters are 400 problems naming the field', async () => {
    const tenant = await newTenant();
    const badId = await tenant.get('/v1/runs/not-a-uuid').expect(400);
    expect(badId.body.errors).toEqual([{ path: 'id', message: 'Must be a UUID' }]);
    const badName = await tenant.get('/v1/pipelines/Not_Valid').expect(400);
    expect(badName.body.errors[0].path).toBe('name');
    const badLimit = await tenant.get('/v1/runs?limit=100000').expect(400);
    expect(badLimit.body.errors[0].path).toBe('query.limit');
    const badCursor = await tenant.get('/v1/runs?cursor=garbage').expect(400);
    expect(badCursor.body.errors[0].path).toBe('query.cursor');
    const unknownFilter = await tenant.get('/v1/runs?colour=red').expect(400);
    expect(unknownFilter.body.errors[0].path).toBe('query.colour');
  });

  it('a NUL character anywhere in a JSON body is a 400 naming where, never a 500 (PostgreSQL stores none)', async () => {
    const tenant = await newTenant();
    const pipeline = {
      apiVersion: 'baton/v1',
      kind: 'Pipeline',
      name: 'nul',
      inputs: { note: { type: 'string' } },
      steps: { a: { uses: 'core/echo@^1', with: { note: '${{ inputs.note }}' } } },
    };
    expect([200, 201]).toContain((await tenant.put('/v1/pipelines/nul', pipeline)).status);

    const run = await tenant.post('/v1/pipelines/nul/runs', { inputs: { note: 'a\u0000b' } });
    const saved = await tenant.put('/v1/pipelines/nul', { ...pipeline, description: 'bad\u0000' });
    const secret = await api().put('/v1/secrets/NUL_KEY').set('authorization', `Bearer ${tenant.token}`).send({ value: '\u0000' });

    for (const [response, path] of [
      [run, 'inputs.note'],
      [saved, 'description'],
      [secret, 'value'],
    ] as const) {
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      problem(response.body, 400);
      expect(response.body.errors).toEqual([{ path, message: expect.stringMatching(/NUL/) }]);
    }
  });

  it('a step whose outputs hold a NUL character fails for good, and its run ends', async () => {
    const tenant = await newTenant();
    const nul = newPipeline(uniqueName('nul-out'), { a: { uses: 'core/echo@^1', with: { note: '${{ $decodeUrl("a%00b") }}' } } });

    const run = await runToEnd(tenant, nul, {}, 30_000);

    expect(run.status).toBe('failed');
    expect(stepOf(run, 'a')).toMatchObject({
      status: 'failed',
      attempts: [{ attempt: 1 }],
      input: { note: 'a\uFFFDb' },
      error: { code: 'invalid_output', message: expect.stringMatching(/NUL/) },
    });
  });

  it('unknown routes are 404 problems', async () => {
    const response = await api().get('/v1/nothing-here').expect(404);
    problem(response.body, 404);
  });

  it('answers every mistake in one problem shape: a urn:baton:problem type, its code, and JSON or YAML bodies only', async () => {
    const tenant = await newTenant();
    const { token } = (await api().post('/v1/auth/login').send({ email: tenant.email, password: tenant.password }).expect(200)).body as {
      token: string;
    };
    const tampered = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const validate = () => api().post('/v1/pipelines/validate').set('authorization', `Bearer ${token}`);
    const cases: Array<
      [string, () => Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, string> }>, number, string]
    > = [
      ['no token', () => api().get('/v1/runs'), 401, 'unauthorized'],
      ['a garbage token', () => api().get('/v1/runs').set('authorization', 'Bearer garbage'), 401, 'unauthorized'],
      ['a tampered token', () => api().get('/v1/runs').set('authorization', `Bearer ${tampered}`), 401, 'unauthorized'],
      ['malformed JSON', () => validate().set('content-type', 'application/json').send('{"steps": '), 400, 'invalid_json'],
      ['an empty JSON body', () => validate().set('content-type', 'application/json').send(''), 400, 'invalid_json'],
      ['a text body', () => validate().set('content-type', 'text/plain').send('steps: {}'), 415, 'unsupported_media_type'],
      ['a form body', () => validate().type('form').send({ steps: 'x' }), 415, 'unsupported_media_type'],
      [
        'a body over the limit',
        () => oversized(inject('baseUrl'), 'POST', '/v1/pipelines/validate', { authorization: `Bearer ${token}` }),
        413,
        'content_too_large',
      ],
      ['an unknown route', () => api().get('/v1/nothing-here'), 404, 'not_found'],
    ];
    for (const [what, send, status, code] of cases) {
      const response = await send();
      expect({ what, status: response.status }).toEqual({ what, status });
      expect(response.headers['content-type'], what).toMatch(/^application\/problem\+json/);
      expect(response.body, what).toMatchObject({
        type: `urn:baton:problem:${code}`,
        code,
        status,
        title: expect.any(String),
        detail: expect.any(String),
      });
    }
  });
});
