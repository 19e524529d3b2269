import { connect } from 'node:net';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { api, newTenant, uniqueName, type TestTenant } from '../support/builders.js';
import { becomePublisher, packageArchive, packTestPlugin, publish, signPackage } from '../support/plugin-packages.js';

const MIB = 1024 * 1024;

interface RawAnswer {
  head: string;
  body: string;
  /** Body bytes written before the answer came. */
  sent: number;
}

/**
 * Sends the request line, headers and the first `chunk` bytes of a `declared`-byte body, then
 * waits for the answer without sending more (up to `patienceMs`); the rest is never sent.
 */
function partialUpload(
  path: string,
  headers: Record<string, string>,
  declared: number,
  chunk: number,
  patienceMs = 15_000,
): Promise<RawAnswer | 'no answer'> {
  const { hostname, port } = new URL(inject('baseUrl'));
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    let settled = false;
    const finish = (value: RawAnswer | 'no answer') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => finish('no answer'), patienceMs);
    socket.on('error', (error) => (answer ? undefined : settled ? undefined : reject(error)));
    socket.on('data', (data) => {
      answer += data.toString();
      const split = answer.indexOf('\r\n\r\n');
      if (split < 0) return;
      const length = Number(/content-length:\s*(\d+)/i.exec(answer.slice(0, split))?.[1] ?? 0);
      if (Buffer.byteLength(answer.slice(split + 4)) >= length)
        finish({ head: answer.slice(0, split), body: answer.slice(split + 4), sent: chunk });
    });
    socket.on('connect', () => {
      const lines = [
        `POST ${path} HTTP/1.1`,
        `Host: ${hostname}:${port}`,
        `Content-Length: ${declared}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      socket.write(Buffer.alloc(chunk, 0x61));
    });
  });
}

/**
 * Anyone could make the API buffer a 40 MiB body per request: the package parser ran for every
 * route, before authentication. Now only `POST /v1/plugins` takes packages, and only after the
 * credential was checked in a Fastify hook that runs before the body is read.
 */
describe('a 40 MiB upload without a credential', () => {
  let publisher: TestTenant;

  beforeAll(async () => {
    publisher = await newTenant();
  });

  it('is refused with 401 before its body is read', async () => {
    const answer = await partialUpload('/v1/plugins', { 'content-type': 'application/octet-stream' }, 40 * MIB, 64 * 1024);
    expect(answer, 'the API waited for the rest of the body').not.toBe('no answer');
    const { head, body } = answer as RawAnswer;
    expect(head).toMatch(/^HTTP\/1\.1 401/);
    expect(head.toLowerCase()).toContain('content-type: application/problem+json');
    expect(JSON.parse(body)).toMatchObject({ status: 401, code: 'unauthorized' });
    // A forged or unknown credential is no credential.
    const forged = await partialUpload(
      '/v1/plugins',
      { 'content-type': 'application/octet-stream', authorization: 'Bearer bk_not-a-real-key-at-all' },
      40 * MIB,
      64 * 1024,
    );
    expect(forged).not.toBe('no answer');
    expect((forged as RawAnswer).head).toMatch(/^HTTP\/1\.1 401/);
  });

  it('is refused before its body is read with a session a password change ended', async () => {
    const tenant = await newTenant();
    await api()
      .post('/v1/account/password')
      .set('authorization', `Bearer ${tenant.token}`)
      .send({ currentPassword: tenant.password, newPassword: 'a changed password' })
      .expect(200);
    const answer = await partialUpload(
      '/v1/plugins',
      { 'content-type': 'application/octet-stream', authorization: `Bearer ${tenant.token}` },
      40 * MIB,
      64 * 1024,
    );
    expect(answer, 'the API waited for the rest of the body').not.toBe('no answer');
    expect((answer as RawAnswer).head).toMatch(/^HTTP\/1\.1 401/);
  });

  it('is refused with 415 on every other route, authenticated or not, before its body is read', async () => {
    for (const headers of [{}, { authorization: `Bearer ${publisher.token}` }] as Array<Record<string, string>>) {
      const answer = await partialUpload(
        '/v1/pipelines/validate',
        { 'content-type': 'application/octet-stream', ...headers },
        40 * MIB,
        64 * 1024,
      );
      expect(answer).not.toBe('no answer');
      expect((answer as RawAnswer).head).toMatch(/^HTTP\/1\.1 415/);
    }
  });

  it('still takes a package larger than other bodies from a publisher, and publishes a real one', async () => {
    const name = uniqueName('upload');
    const key = await becomePublisher(publisher, name);
    // Over BODY_LIMIT_BYTES (1 MiB) but within the 40 MiB of packages: read, and judged as a package.
    const junk = await publish(publisher, Buffer.alloc(2 * MIB, 0x61));
    expect(junk.status, JSON.stringify(junk.body)).toBe(422);
    expect(junk.body.code).toBe('invalid_package');
    const folder = await packTestPlugin({ name, version: '1.0.0', publisher: name });
    signPackage(folder, key);
    const published = await publish(publisher, await packageArchive(folder));
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    expect((await api().get(`/v1/plugins/${name}`).set('authorization', `Bearer ${publisher.token}`).expect(200)).body.name).toBe(name);
  });
});
