import { beforeAll, describe, expect, inject, it } from 'vitest';
import { newPipeline, newTenant, uniqueName, waitForRun, type TestTenant } from './support/builders.js';

interface StreamedEvent {
  id: string;
  event: string;
  data: { id: number; type: string; stepId?: string; level?: string; message?: string };
}

/** Reads a Server-Sent Events response to its end (the server closes it when the run ends). */
async function readStream(
  tenant: TestTenant,
  runId: string,
  headers: Record<string, string> = {},
  path = 'events',
): Promise<{ status: number; type: string | null; events: StreamedEvent[]; firstAt: number[] }> {
  const response = await fetch(`${inject('baseUrl')}/v1/runs/${runId}/${path}`, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${tenant.apiKey}`, ...headers },
    signal: AbortSignal.timeout(60_000),
  });
  const events: StreamedEvent[] = [];
  const firstAt: number[] = [];
  if (!response.ok || !response.body) return { status: response.status, type: response.headers.get('content-type'), events, firstAt };
  let buffer = '';
  for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(
        block
          .split('\n')
          .filter((l) => !l.startsWith(':'))
          .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
      );
      if (fields.data) {
        events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
        firstAt.push(Date.now());
      }
    }
  }
  return { status: response.status, type: response.headers.get('content-type'), events, firstAt };
}

describe('run events as Server-Sent Events', () => {
  let tenant: TestTenant;
  let pipeline: string;
  beforeAll(async () => {
    tenant = await newTenant();
    pipeline = uniqueName('stream');
    await tenant
      .put(
        `/v1/pipelines/${pipeline}`,
        newPipeline(pipeline, {
          one: { uses: 'core/sleep@^1', with: { ms: 700 } },
          two: { uses: 'core/sleep@^1', needs: ['one'], with: { ms: 700 } },
        }),
      )
      .expect(201);
  });

  it("delivers a live run's events as they happen and ends the stream when the run ends", async () => {
    const runId = (await tenant.post(`/v1/pipelines/${pipeline}/runs`, {}).expect(202)).body.id;
    const streamed = await readStream(tenant, runId);
    expect(streamed.status).toBe(200);
    expect(streamed.type).toContain('text/event-stream');
    const types = streamed.events.map((e) => e.event);
    expect(types[0]).toBe('run.started');
    expect(types.at(-1)).toBe('run.completed');
    expect(types).toEqual(expect.arrayContaining(['step.started', 'step.succeeded']));
    // Live: the step events arrived over the run's life, not all at once at the end.
    const startedTwo = streamed.events.findIndex((e) => e.event === 'step.started' && (e.data as { stepId?: string }).stepId === 'two');
    expect(streamed.firstAt.at(-1)! - streamed.firstAt[startedTwo]).toBeGreaterThan(400);
    // The same events, in the same order, as the JSON list.
    const { body } = await tenant.get(`/v1/runs/${runId}/events`).expect(200);
    expect(streamed.events.map((e) => Number(e.id))).toEqual(body.items.map((e: { id: number }) => e.id));
    expect(streamed.events.map((e) => e.data)).toEqual(body.items);
  });

  it('resumes after Last-Event-ID, and replays a finished run and ends at once', async () => {
    const runId = (await tenant.post(`/v1/pipelines/${pipeline}/runs`, {}).expect(202)).body.id;
    await waitForRun(tenant, runId);
    const all = await readStream(tenant, runId);
    const middle = all.events[Math.floor(all.events.length / 2)];
    const resumed = await readStream(tenant, runId, { 'last-event-id': middle.id });
    expect(resumed.events.map((e) => e.id)).toEqual(all.events.filter((e) => Number(e.id) > Number(middle.id)).map((e) => e.id));
    expect(resumed.events.at(-1)!.event).toBe('run.completed');
  });

  it("streams another tenant's run to nobody but that tenant", async () => {
    const runId = (await tenant.post(`/v1/pipelines/${pipeline}/runs`, {}).expect(202)).body.id;
    const other = await newTenant();
    const refused = await readStream(other, runId);
    expect(refused.status).toBe(404);
    await waitForRun(tenant, runId);
  });

  it("streams a run's log lines live, filtered like the JSON page, up to the last line before the run ends", async () => {
    const logged = uniqueName('logged');
    await tenant
      .put(
        `/v1/pipelines/${logged}`,
        newPipeline(logged, {
          first: { uses: 'core/log@^1', with: { message: 'extracting', level: 'info' } },
          nap: { uses: 'core/sleep@^1', needs: ['first'], with: { ms: 800 } },
          second: { uses: 'core/log@^1', needs: ['nap'], with: { message: 'rows look thin', level: 'warn' } },
          // The last thing the run does is log: the stream must still deliver it before it ends.
          third: { uses: 'core/log@^1', needs: ['second'], with: { message: 'loaded', level: 'info' } },
        }),
      )
      .expect(201);
    const runId = (await tenant.post(`/v1/pipelines/${logged}/runs`, {}).expect(202)).body.id;
    const [all, warnings] = await Promise.all([readStream(tenant, runId, {}, 'logs'), readStream(tenant, runId, {}, 'logs?level=warn')]);
    expect(all.status).toBe(200);
    expect(all.events.map((e) => [e.event, e.data.stepId, e.data.message])).toEqual([
      ['step.log', 'first', 'extracting'],
      ['step.log', 'second', 'rows look thin'],
      ['step.log', 'third', 'loaded'],
    ]);
    // Live: the first line came while the run was still sleeping.
    expect(all.firstAt[1] - all.firstAt[0]).toBeGreaterThan(400);
    expect(warnings.events.map((e) => e.data.message)).toEqual(['rows look thin']);
    const { body } = await tenant.get(`/v1/runs/${runId}/logs`).expect(200);
    expect(all.events.map((e) => e.data)).toEqual(body.items);
    const resumed = await readStream(tenant, runId, { 'last-event-id': all.events[0].id }, 'logs?step=third');
    expect(resumed.events.map((e) => e.data.message)).toEqual(['loaded']);
    expect((await readStream(await newTenant(), runId, {}, 'logs')).status).toBe(404);
  });
});
