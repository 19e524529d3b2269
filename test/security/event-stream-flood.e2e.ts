import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  api,
  newPipeline,
  newTenant,
  savePipeline,
  startRun,
  uniqueName,
  until,
  waitForRun,
  type TestTenant,
} from '../support/builders.js';
import { freePort, spawnBaton, waitForHttp, type BatonProcess } from '../support/processes.js';

const CAP = 2;

interface OpenStream {
  status: number;
  headers: IncomingMessage['headers'];
  body: () => string;
  /** Resolves when the server ended the response (`end`), or rejects if the connection broke. */
  ended: Promise<void>;
  request: ClientRequest;
}

/** `GET /v1/runs/{id}/events` with `Accept: text/event-stream`, held open. */
function openStream(baseUrl: string, tenant: TestTenant, runId: string): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${baseUrl}/v1/runs/${runId}/events`,
      { headers: { accept: 'text/event-stream', authorization: `Bearer ${tenant.apiKey}` } },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        const ended = new Promise<void>((done, broke) => {
          response.once('end', done);
          response.once('error', broke);
        });
        ended.catch(() => undefined);
        resolve({ status: response.statusCode!, headers: response.headers, body: () => body, ended, request });
      },
    );
    request.once('error', reject);
    request.end();
  });
}

/**
 * A tenant opens live event streams until the API runs out of sockets, timers and LISTEN fan-out:
 * every stream lives as long as its run (an approval can wait for days). Streams are capped per
 * tenant on each replica (RUN_STREAMS_PER_TENANT); past the cap 429 problem+json with Retry-After.
 */
describe('event streams opened without end', () => {
  let baseUrl: string;
  let replica: BatonProcess;
  let tenant: TestTenant;
  let other: TestTenant;
  let pipeline: string;
  const streams: OpenStream[] = [];

  beforeAll(async () => {
    const port = await freePort();
    replica = spawnBaton('api', { ...inject('apiEnv'), PORT: String(port), RUN_STREAMS_PER_TENANT: String(CAP) });
    baseUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${baseUrl}/readyz`, 60_000, () => replica.child.exitCode === null);
    tenant = await newTenant();
    other = await newTenant();
    pipeline = uniqueName('gated');
    for (const t of [tenant, other])
      await savePipeline(t, newPipeline(pipeline, { gate: { approval: { roles: ['operator'], timeout: '1h', onTimeout: 'reject' } } }));
  });
  afterAll(async () => {
    for (const stream of streams) stream.request.destroy();
    await replica?.stop();
  });

  const waiting = async (t: TestTenant) => {
    const runId = await startRun(t, pipeline);
    await waitForRun(t, runId, (r) => r.status === 'waiting');
    return runId;
  };

  it('refuses streams past the cap with 429 and Retry-After, per tenant, and frees a slot when a stream closes', async () => {
    const runId = await waiting(tenant);
    for (let i = 0; i < CAP; i++) {
      const stream = await openStream(baseUrl, tenant, runId);
      streams.push(stream);
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toContain('text/event-stream');
    }
    const refused = await api(baseUrl)
      .get(`/v1/runs/${runId}/events`)
      .set('accept', 'text/event-stream')
      .set('authorization', `Bearer ${tenant.apiKey}`);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body.code).toBe('too_many_streams');
    // The JSON pages stay open to the same tenant, and another tenant has slots of its own.
    await api(baseUrl).get(`/v1/runs/${runId}/events`).set('authorization', `Bearer ${tenant.apiKey}`).expect(200);
    const theirs = await openStream(baseUrl, other, await waiting(other));
    streams.push(theirs);
    expect(theirs.status).toBe(200);

    // The client goes away: its slot is free again.
    streams.shift()!.request.destroy();
    let reopened: OpenStream | undefined;
    await until(async () => {
      const attempt = await openStream(baseUrl, tenant, runId);
      if (attempt.status === 200) reopened = attempt;
      else attempt.request.destroy();
      return attempt.status === 200;
    });
    streams.push(reopened!);

    // The run ends: its streams end cleanly, with the run's last event.
    await api()
      .post(`/v1/runs/${runId}/approvals/gate`)
      .set('authorization', `Bearer ${tenant.apiKey}`)
      .send({ approve: true })
      .expect(202);
    const mine = streams.filter((s) => s.request.path.includes(runId));
    await Promise.all(mine.map((s) => s.ended));
    for (const stream of mine) expect(stream.body()).toContain('event: run.completed');
  });

  it('ends the streams still open when the API stops, rather than waiting for their runs', async () => {
    const stream = await openStream(baseUrl, tenant, await waiting(tenant));
    streams.push(stream);
    expect(stream.status).toBe(200);
    expect(await replica.stop()).toBe(0);
    await stream.ended;
  });
});
