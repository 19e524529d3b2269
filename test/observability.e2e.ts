import { createServer, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, spawnBaton, waitForHttp, type BatonProcess } from './support/processes.js';
import { openLineageValidator } from './support/openlineage-schemas.js';
import { api, newPipeline, newTenant, uniqueName, until, waitForRun, type RunView, type TestTenant } from './support/builders.js';

/** PostgreSQL's percentile_cont: linear interpolation between the closest ranks. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const [low, high] = [Math.floor(position), Math.ceil(position)];
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

const between = (from: string | null, to: string | null) => Date.parse(to!) - Date.parse(from!);

describe('observability', () => {
  let tenant: TestTenant;
  const names = { steady: uniqueName('steady'), flaky: uniqueName('flaky'), slow: uniqueName('slow') };
  const runs: Record<keyof typeof names, RunView[]> = { steady: [], flaky: [], slow: [] };

  beforeAll(async () => {
    tenant = await newTenant();
    await tenant
      .put(
        `/v1/pipelines/${names.steady}`,
        newPipeline(names.steady, {
          hello: { uses: 'core/echo@^1', with: {} },
          nap: { uses: 'core/sleep@^1', needs: ['hello'], with: { ms: 200 } },
        }),
      )
      .expect(201);
    await tenant
      .put(
        `/v1/pipelines/${names.flaky}`,
        newPipeline(names.flaky, {
          hello: { uses: 'core/echo@^1', with: {} },
          boom: { uses: 'core/fail@^1', needs: ['hello'], with: { message: 'no' } },
        }),
      )
      .expect(201);
    await tenant
      .put(`/v1/pipelines/${names.slow}`, newPipeline(names.slow, { nap: { uses: 'core/sleep@^1', with: { ms: 1_500 } } }, { sla: '1s' }))
      .expect(201);
    const started = await Promise.all(
      (
        [
          ['steady', 4],
          ['flaky', 2],
          ['slow', 1],
        ] as const
      ).flatMap(([key, n]) =>
        Array.from(
          { length: n },
          async () => [key, (await tenant.post(`/v1/pipelines/${names[key]}/runs`, {}).expect(202)).body.id as string] as const,
        ),
      ),
    );
    for (const [key, id] of started) runs[key].push(await waitForRun(tenant, id));
  });

  it('summarises each pipeline in SQL: counts, success rate, duration and queue-wait percentiles, failures by step, SLA breaches', async () => {
    const { body } = await tenant.get('/v1/observability/summary?window=1h').expect(200);
    expect(body.window).toBe('1h');
    expect(body.items.map((i: { pipeline: string }) => i.pipeline)).toEqual(Object.values(names).sort());
    const item = (key: keyof typeof names) => body.items.find((i: { pipeline: string }) => i.pipeline === names[key]);
    expect(item('steady')).toMatchObject({ runs: 4, succeeded: 4, failed: 0, successRate: 1, failuresByStep: {}, slaBreaches: 0 });
    expect(item('flaky')).toMatchObject({ runs: 2, succeeded: 0, failed: 2, successRate: 0, failuresByStep: { boom: 2 }, slaBreaches: 0 });
    expect(item('slow')).toMatchObject({ runs: 1, succeeded: 1, slaBreaches: 1 });
    // Percentiles match an independent computation from the runs the API returns (to the millisecond it rounds to).
    const durations = runs.steady.map((r) => between(r.startedAt, r.endedAt));
    const waits = runs.steady.map((r) => between(r.createdAt, r.startedAt));
    for (const [p, key] of [
      [0.5, 'p50'],
      [0.95, 'p95'],
      [0.99, 'p99'],
    ] as const)
      expect(Math.abs(item('steady').durationMs[key] - percentile(durations, p))).toBeLessThanOrEqual(2);
    for (const [p, key] of [
      [0.5, 'p50'],
      [0.95, 'p95'],
    ] as const)
      expect(Math.abs(item('steady').queueWaitMs[key] - percentile(waits, p))).toBeLessThanOrEqual(2);
    expect(item('steady').durationMs.p50).toBeGreaterThanOrEqual(200);
  });

  it('adds the totals over every pipeline of the answer, with percentiles over all their runs', async () => {
    const { body } = await tenant.get('/v1/observability/summary?window=1h').expect(200);
    expect(body.pipeline).toBeNull();
    const all = Object.values(runs).flat();
    expect(body.totals).toMatchObject({ runs: 7, succeeded: 5, failed: 2, cancelled: 0, active: 0, successRate: 0.7143, slaBreaches: 1 });
    expect(body.totals.failuresByStep).toBeUndefined();
    const durations = all.map((r) => between(r.startedAt, r.endedAt));
    const waits = all.map((r) => between(r.createdAt, r.startedAt));
    for (const [p, key] of [
      [0.5, 'p50'],
      [0.95, 'p95'],
      [0.99, 'p99'],
    ] as const)
      expect(Math.abs(body.totals.durationMs[key] - percentile(durations, p))).toBeLessThanOrEqual(2);
    expect(Math.abs(body.totals.queueWaitMs.p95 - percentile(waits, 0.95))).toBeLessThanOrEqual(2);
  });

  it('summarises one pipeline with ?pipeline=, its totals its own', async () => {
    const { body } = await tenant.get(`/v1/observability/summary?window=1h&pipeline=${names.flaky}`).expect(200);
    expect(body.pipeline).toBe(names.flaky);
    expect(body.items.map((i: { pipeline: string }) => i.pipeline)).toEqual([names.flaky]);
    expect(body.items[0]).toMatchObject({ runs: 2, failed: 2, failuresByStep: { boom: 2 } });
    const { pipeline: _, failuresByStep: __, ...statistics } = body.items[0];
    expect(body.totals).toEqual(statistics);
    // A pipeline without runs in the window (or none of that name): nothing, and zeros.
    const none = (await tenant.get(`/v1/observability/summary?pipeline=${uniqueName('idle')}`).expect(200)).body;
    expect(none.items).toEqual([]);
    expect(none.totals).toMatchObject({ runs: 0, successRate: null, durationMs: { p50: null, p95: null, p99: null }, slaBreaches: 0 });
  });

  it('takes windows in minutes, hours, days and weeks, up to 90 days', async () => {
    for (const window of ['30m', '24h', '7d', '1w', '12w', '90d', '1d12h']) {
      const { body } = await tenant.get(`/v1/observability/summary?window=${window}`).expect(200);
      expect(body.window).toBe(window);
      expect(body.totals.runs, window).toBe(7);
    }
    const { body } = await tenant.get('/v1/observability/summary?window=1w').expect(200);
    expect(Date.now() - Date.parse(body.since)).toBeGreaterThanOrEqual(7 * 86_400_000);
    expect((await tenant.get('/v1/observability/steps?window=2w').expect(200)).body.window).toBe('2w');
  });

  it('summarises each plugin step type: calls, failures, failure rate, retries, p95', async () => {
    const { body } = await tenant.get('/v1/observability/steps?window=1h').expect(200);
    const all = Object.values(runs)
      .flat()
      .flatMap((r) => r.steps.filter((s) => s.startedAt));
    const byType = (uses: string) => all.filter((s) => s.uses.startsWith(`${uses}@`));
    const expected = ['core/echo', 'core/fail', 'core/sleep'].map((uses) => {
      const steps = byType(uses);
      const failures = steps.filter((s) => s.status === 'failed' || s.status === 'timed_out').length;
      return {
        uses,
        calls: steps.length,
        failures,
        failureRate: failures / steps.length,
        retries: steps.reduce((n, s) => n + Math.max(s.attempt - 1, 0), 0),
      };
    });
    expect(body.items.map(({ p95Ms: _, ...rest }: { p95Ms: number }) => rest)).toEqual(expected);
    expect(expected.map((e) => e.calls)).toEqual([6, 2, 5]);
    const sleeps = byType('core/sleep')
      .filter((s) => s.endedAt)
      .map((s) => between(s.startedAt, s.endedAt));
    expect(Math.abs(body.items[2].p95Ms - percentile(sleeps, 0.95))).toBeLessThanOrEqual(2);
  });

  it('is scoped to the tenant and refuses a window it cannot read', async () => {
    const other = await newTenant();
    expect((await other.get('/v1/observability/summary').expect(200)).body).toMatchObject({ window: '24h', items: [] });
    expect((await other.get('/v1/observability/steps').expect(200)).body.items).toEqual([]);
    for (const window of ['100d', 'soon', '0s', '13w', '0w', '1w2d', '1W', '999w', 'x'.repeat(17)]) {
      const response = await tenant.get(`/v1/observability/summary?window=${window}`).expect(400);
      expect(response.body.errors[0].path).toBe('query.window');
    }
    // Another tenant's pipeline, by name, is not there for it.
    const theirs = (await other.get(`/v1/observability/summary?window=1h&pipeline=${names.steady}`).expect(200)).body;
    expect(theirs).toMatchObject({ pipeline: names.steady, items: [], totals: { runs: 0 } });
    for (const pipeline of ['Not_Valid', '', 'x'.repeat(64)]) {
      const response = await tenant.get(`/v1/observability/summary?pipeline=${pipeline}`).expect(400);
      expect(response.body.errors[0].path).toBe('query.pipeline');
    }
    await tenant.get(`/v1/observability/steps?pipeline=${names.steady}`).expect(400);
    await api().get(`/v1/observability/summary?pipeline=${names.steady}`).expect(401);
  });
});

describe('lineage', () => {
  it('answers which pipeline steps wrote and read a dataset, as OpenLineage run events, per tenant', async () => {
    const tenant = await newTenant();
    const path = `exports/${uniqueName('rows')}.json`;
    const writer = uniqueName('writer');
    const reader = uniqueName('reader');
    await tenant
      .put(`/v1/pipelines/${writer}`, newPipeline(writer, { save: { uses: 'files/write@^1', with: { path, rows: [{ a: 1 }, { a: 2 }] } } }))
      .expect(201);
    await tenant
      .put(`/v1/pipelines/${reader}`, newPipeline(reader, { load: { uses: 'files/read@^1', with: { path, as: 'rows' } } }))
      .expect(201);
    const wrote = await waitForRun(tenant, (await tenant.post(`/v1/pipelines/${writer}/runs`, {}).expect(202)).body.id);
    const read = await waitForRun(tenant, (await tenant.post(`/v1/pipelines/${reader}/runs`, {}).expect(202)).body.id);
    expect([wrote.status, read.status]).toEqual(['succeeded', 'succeeded']);
    // The dataset as the steps named it in their lineage events.
    const { body: events } = await tenant.get(`/v1/runs/${wrote.id}/events?limit=500`).expect(200);
    const output = events.items.find((e: { type: string; direction?: string }) => e.type === 'step.lineage' && e.direction === 'output');
    const { body } = await tenant
      .get(`/v1/lineage?dataset=${encodeURIComponent(output.name)}&namespace=${encodeURIComponent(output.namespace)}`)
      .expect(200);
    expect(body.producers).toEqual([{ job: `${writer}.save`, runId: wrote.id }]);
    expect(body.consumers).toEqual([{ job: `${reader}.load`, runId: read.id }]);
    // As OpenLineage names it: where the stack's S3-compatible store keeps the tenant's artifact.
    const stored = { namespace: `s3://${inject('apiEnv').ARTIFACTS_S3_BUCKET}`, name: `${tenant.tenantId}/${path}` };
    expect(body.events[0]).toMatchObject({
      eventType: 'COMPLETE',
      run: { facets: { parent: { run: { runId: read.id }, job: { name: reader } } } },
      job: { namespace: `baton/${tenant.tenantId}`, name: `${reader}.load`, facets: { baton_job: { pipeline: reader, step: 'load' } } },
      inputs: [stored],
    });
    // The same dataset asked for by that name.
    const byName = await tenant.get(
      `/v1/lineage?dataset=${encodeURIComponent(stored.name)}&namespace=${encodeURIComponent(stored.namespace)}`,
    );
    expect(byName.status).toBe(200);
    expect([byName.body.producers, byName.body.consumers]).toEqual([body.producers, body.consumers]);
    // Another tenant's lineage holds none of it.
    const other = await newTenant();
    expect((await other.get(`/v1/lineage?dataset=${encodeURIComponent(output.name)}`).expect(200)).body.events).toEqual([]);
    await tenant.get('/v1/lineage').expect(400);
  });
});

describe('OpenLineage forwarding', () => {
  interface Facet {
    _producer: string;
    _schemaURL: string;
    [field: string]: unknown;
  }
  interface Event {
    eventType: string;
    eventTime: string;
    run: {
      runId: string;
      facets: { parent?: Facet & { run: { runId: string }; job: { namespace: string; name: string } } } & Record<string, Facet>;
    };
    job: { namespace: string; name: string; facets: Record<string, Facet> };
    inputs: Array<{ namespace: string; name: string }>;
    outputs: Array<{ namespace: string; name: string }>;
  }
  /** What the OpenLineage endpoint received, and how it answered. */
  const received: Array<{ status: number; authorization?: string; event: Event }> = [];
  /** Pipelines whose first event the endpoint refuses. */
  const refuseFirst = new Set<string>();
  const endpoint = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const event = JSON.parse(body) as Event;
      const pipeline = String(event.job?.name).split('.')[0];
      const status = refuseFirst.delete(pipeline) ? 503 : 201;
      received.push({ status, authorization: request.headers.authorization, event });
      response.writeHead(status).end();
    });
  });
  /** The accepted events of a Baton run: its own and its steps', in the order they came. */
  const eventsOf = (runId: string) =>
    received.filter((r) => r.status === 201 && (r.event.run.runId === runId || r.event.run.facets.parent?.run.runId === runId));
  /** Until the run's pipeline end event is in: the forwarder sends it last. */
  const forwarded = async (runId: string) => {
    await until(async () => eventsOf(runId).some((r) => r.event.run.runId === runId && r.event.eventType !== 'START'), 60_000);
    return eventsOf(runId).map((r) => r.event);
  };
  const summary = (events: Event[]) => events.map((e) => `${e.eventType} ${e.job.name}`);
  let api: BatonProcess;

  beforeAll(async () => {
    const port = await freePort();
    await new Promise<void>((resolve) => endpoint.listen(port, '127.0.0.1', resolve));
    // A second API replica with forwarding on; the stack's own API has it off.
    const apiPort = await freePort();
    api = spawnBaton('api', {
      ...inject('apiEnv'),
      PORT: String(apiPort),
      OPENLINEAGE_URL: `http://127.0.0.1:${port}/api/v1/lineage`,
      OPENLINEAGE_API_KEY: 'ol-key-e2e',
      OPENLINEAGE_INTERVAL: '500ms',
    });
    await waitForHttp(`http://127.0.0.1:${apiPort}/readyz`, 60_000, () => api.child.exitCode === null);
  });
  afterAll(async () => {
    await api?.stop();
    endpoint.close();
  });

  it("sends each ended run's events once, retrying the whole run until the endpoint accepts them", async () => {
    const tenant = await newTenant();
    const path = `exports/${uniqueName('ol')}.json`;
    const name = uniqueName('copy');
    // Refuse the first delivery: the run is sent again, whole, after a backoff.
    refuseFirst.add(name);
    await tenant
      .put(
        `/v1/pipelines/${name}`,
        newPipeline(name, {
          save: { uses: 'files/write@^1', with: { path, rows: [{ a: 1 }] } },
          load: { uses: 'files/read@^1', needs: ['save'], with: { path, as: 'rows' } },
          quiet: { uses: 'core/echo@^1', with: { value: 'no datasets' } },
        }),
      )
      .expect(201);
    const run = await waitForRun(tenant, (await tenant.post(`/v1/pipelines/${name}/runs`, {}).expect(202)).body.id);
    expect(run.status).toBe('succeeded');
    const events = await forwarded(run.id);

    const refused = received.find((r) => r.event.run.runId === run.id || r.event.run.facets.parent?.run.runId === run.id)!;
    expect(refused).toMatchObject({ status: 503, event: { eventType: 'START', job: { name } } });
    expect(summary(events).sort()).toEqual(
      [name, `${name}.save`, `${name}.load`, `${name}.quiet`].flatMap((job) => [`COMPLETE ${job}`, `START ${job}`]).sort(),
    );
    expect(eventsOf(run.id).every((r) => r.authorization === 'Bearer ol-key-e2e')).toBe(true);
    const end = (job: string) => events.find((e) => e.job.name === job && e.eventType === 'COMPLETE')!;
    expect(end(`${name}.save`).outputs).toEqual(end(`${name}.load`).inputs);
    expect(end(`${name}.save`).outputs).toHaveLength(1);
    expect(end(`${name}.quiet`)).toMatchObject({ inputs: [], outputs: [] });
    // The GET API and the forwarded events agree on the step runs' ids.
    const dataset = end(`${name}.save`).outputs[0];
    const { body } = await tenant.get(`/v1/lineage?dataset=${encodeURIComponent(dataset.name)}`).expect(200);
    expect(body.events.map((e: Event) => e.run.runId).sort()).toEqual(
      [end(`${name}.save`).run.runId, end(`${name}.load`).run.runId].sort(),
    );

    // Once accepted, never sent again.
    const count = received.length;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(received.slice(count).filter((r) => r.event.run.runId === run.id || r.event.run.facets.parent?.run.runId === run.id)).toEqual(
      [],
    );
  });

  it("sends events from a success and a failure that validate against the spec's schemas, tenants' datasets apart", async () => {
    const path = `exports/${uniqueName('orders')}.json`;
    const [bigPath, failedPath] = [path.replace('.json', '-big.json'), path.replace('.json', '-failed.json')];
    const name = uniqueName('flow');
    const flow = newPipeline(name, {
      save: { uses: 'files/write@^1', with: { path, rows: [{ a: 1 }, { a: 2 }, { a: 3 }] } },
      load: { uses: 'files/read@^1', needs: ['save'], with: { path } },
      shape: {
        uses: 'transform/dataset@^1',
        needs: ['load'],
        with: { dataset: '${{ steps.load.outputs.dataset }}', expression: '$[a > 1]' },
      },
      export: { uses: 'files/write@^1', needs: ['shape'], with: { path: bigPath, dataset: '${{ steps.shape.outputs.dataset }}' } },
    });
    const broken = uniqueName('broken');
    const failing = newPipeline(broken, {
      save: { uses: 'files/write@^1', with: { path: failedPath, rows: [{ a: 1 }] } },
      boom: { uses: 'core/fail@^1', needs: ['save'], with: { message: 'no' } },
      after: { uses: 'core/echo@^1', needs: ['boom'], with: {} },
    });
    const [one, two] = [await newTenant(), await newTenant()];
    const start = async (tenant: TestTenant, pipeline: object, pipelineName: string) => {
      await tenant.put(`/v1/pipelines/${pipelineName}`, pipeline).expect(201);
      return (await tenant.post(`/v1/pipelines/${pipelineName}/runs`, {}).expect(202)).body.id as string;
    };
    const started = [await start(one, flow, name), await start(two, flow, name), await start(one, failing, broken)];
    const ended = await Promise.all(started.map((id, i) => waitForRun(i === 1 ? two : one, id, undefined, 120_000)));
    expect(
      ended.map((r) => r.status),
      JSON.stringify(ended.map((r) => r.error)),
    ).toEqual(['succeeded', 'succeeded', 'failed']);
    const [succeeded, other, failed] = await Promise.all(started.map(forwarded));

    // Every event, and every facet in it, valid against the OpenLineage 2-0-2 schemas; Baton's own facets
    // against the schema the API serves where their _schemaURL points.
    const facetsUrl = succeeded[0].job.facets.baton_job._schemaURL.split('#')[0];
    const facetsSchema = (await fetch(facetsUrl).then((r) => r.json())) as { $id: string };
    expect(facetsSchema.$id).toBe(facetsUrl);
    const valid = openLineageValidator([facetsSchema]);
    for (const event of [...succeeded, ...other, ...failed]) expect(valid(event), JSON.stringify(event)).toEqual([]);
    expect(started.flatMap(eventsOf).every((r) => r.authorization === 'Bearer ol-key-e2e')).toBe(true);

    // START and COMPLETE for the run and each step, the run's START first and its end last.
    const steps = ['save', 'load', 'shape', 'export'].map((step) => `${name}.${step}`);
    expect(summary(succeeded).sort()).toEqual([name, ...steps].flatMap((job) => [`COMPLETE ${job}`, `START ${job}`]).sort());
    for (const [i, events] of [succeeded, other, failed].entries()) {
      const [first, last] = [events[0], events.at(-1)!];
      expect([first.eventType, first.run.runId, last.run.runId]).toEqual(['START', started[i], started[i]]);
      for (const event of events.slice(1, -1)) {
        // Each step run is a child of the pipeline run, as that run's own events name it.
        expect(event.run.facets.parent).toMatchObject({
          run: { runId: first.run.runId },
          job: { namespace: first.job.namespace, name: first.job.name },
        });
        const own = events.filter((e) => e.run.runId === event.run.runId).map((e) => e.eventType);
        expect(own).toHaveLength(2);
        expect(own[0]).toBe('START');
      }
    }
    expect(succeeded[0].job.facets.jobType).toMatchObject({ processingType: 'BATCH', integration: 'BATON', jobType: 'PIPELINE' });

    // The failure: FAIL with the error for the failed step and the run; the step that never ran has no events.
    expect(summary(failed)).toEqual([
      `START ${broken}`,
      `START ${broken}.save`,
      `COMPLETE ${broken}.save`,
      `START ${broken}.boom`,
      `FAIL ${broken}.boom`,
      `FAIL ${broken}`,
    ]);
    expect(failed[4].run.facets.errorMessage).toMatchObject({ message: expect.stringContaining('no'), programmingLanguage: 'JavaScript' });
    expect(failed[5].run.facets.errorMessage).toBeDefined();

    // Datasets named where the tenant's artifacts are: one path, two tenants, two datasets.
    const output = (events: Event[], job: string) => events.find((e) => e.job.name === job && e.eventType === 'COMPLETE')!.outputs;
    const bucket = `s3://${inject('apiEnv').ARTIFACTS_S3_BUCKET}`;
    expect(output(succeeded, `${name}.save`)).toEqual([{ namespace: bucket, name: `${one.tenantId}/${path}` }]);
    expect(output(other, `${name}.save`)).toEqual([{ namespace: bucket, name: `${two.tenantId}/${path}` }]);
    expect(output(failed, `${broken}.save`)).toEqual([{ namespace: bucket, name: `${one.tenantId}/${failedPath}` }]);
    const load = succeeded.find((e) => e.job.name === `${name}.load` && e.eventType === 'COMPLETE')!;
    expect(load.inputs).toEqual(output(succeeded, `${name}.save`));
    expect(succeeded.find((e) => e.job.name === `${name}.export` && e.eventType === 'COMPLETE')!.outputs).toEqual([
      { namespace: bucket, name: `${one.tenantId}/${bigPath}` },
    ]);
    expect(succeeded[0].job.namespace).not.toBe(other[0].job.namespace);
  }, 240_000);
});
