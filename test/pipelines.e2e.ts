import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { api, newPipeline, newTenant, uniqueName, waitForRun } from './support/builders.js';

const echo = (extra: Record<string, unknown> = {}) => ({ uses: 'core/echo@^1', with: { value: 1 }, ...extra });

describe('pipelines', () => {
  it('validates a definition and returns the plan with pinned plugin versions', async () => {
    const tenant = await newTenant();
    const definition = newPipeline('plan', {
      a: echo(),
      b: echo({ needs: ['a'] }),
      c: echo({ needs: ['a'] }),
      d: echo({ needs: ['b', 'c'] }),
    });
    const { body } = await tenant.post('/v1/pipelines/validate', definition).expect(200);
    expect(body.valid).toBe(true);
    expect(body.plan.order).toEqual(['a', 'b', 'c', 'd']);
    expect(body.plan.steps[0]).toMatchObject({
      id: 'a',
      uses: 'core/echo@^1',
      pinned: { plugin: 'core', step: 'echo', version: '1.0.0', digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
    });
  });

  it('reports every problem with its path: cycle, unknown need, unknown plugin, bad with, bad expression', async () => {
    const tenant = await newTenant();
    const definition = newPipeline('broken', {
      a: echo({ needs: ['b'] }),
      b: echo({ needs: ['a'] }),
      c: echo({ needs: ['ghost'] }),
      d: { uses: 'nope/thing@^1' },
      e: { uses: 'core/sleep@^1', with: { ms: 'soon' } },
      f: { uses: 'core/echo@^1', with: { v: '${{ steps.nobody.outputs.x }}' } },
      g: { uses: 'core/echo@^1', with: { v: '${{ inputs. }}' } },
      h: { uses: 'core/echo@^1', with: { token: 'Bearer ${{ secrets.TOKEN }}' } },
      i: { uses: 'core/echo@^1', with: { token: '${{ secrets.TOKEN }}' } },
    });
    const response = await tenant.post('/v1/pipelines/validate', definition).expect(422);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    const paths = response.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'steps.c.needs[0]',
        'steps.d.uses',
        'steps.e.with.ms',
        'steps.f.with.v',
        'steps.g.with.v',
        'steps.h.with.token',
        'steps.i.with.token',
      ]),
    );
    expect(paths.some((p: string) => /^steps\.(a|b)\.needs/.test(p))).toBe(true);
    expect(JSON.stringify(response.body.errors)).toMatch(/cycle/i);
    await tenant.put('/v1/pipelines/broken', definition).expect(422);
  });

  it('applies GitOps-style: 201 for a new version, 200 when unchanged, YAML accepted', async () => {
    const tenant = await newTenant();
    const name = uniqueName('apply');
    const v1 = newPipeline(name, { a: echo() });
    const first = await tenant.put(`/v1/pipelines/${name}`, v1).expect(201);
    expect(first.body).toMatchObject({ name, version: 1 });
    await tenant.put(`/v1/pipelines/${name}`, v1).expect(200);
    const yaml = YAML.stringify(newPipeline(name, { a: echo(), b: echo({ needs: ['a'] }) }));
    const second = await tenant.put(`/v1/pipelines/${name}`).set('content-type', 'application/yaml').send(yaml).expect(201);
    expect(second.body.version).toBe(2);

    expect((await tenant.get(`/v1/pipelines/${name}`).expect(200)).body.version).toBe(2);
    expect((await tenant.get(`/v1/pipelines/${name}/versions/1`).expect(200)).body.definition.steps).toEqual({ a: echo() });
    const versions = await tenant.get(`/v1/pipelines/${name}/versions`).expect(200);
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const list = await tenant.get('/v1/pipelines').expect(200);
    expect(list.body.items).toEqual([expect.objectContaining({ name, latestVersion: 2 })]);
  });

  it('refuses a name that differs from the URL and deletes pipelines', async () => {
    const tenant = await newTenant();
    const mismatch = await tenant.put('/v1/pipelines/one', newPipeline('two', { a: echo() })).expect(422);
    expect(mismatch.body.errors[0].path).toBe('name');
    await tenant.put('/v1/pipelines/gone', newPipeline('gone', { a: echo() })).expect(201);
    await tenant.delete('/v1/pipelines/gone').expect(204);
    await tenant.get('/v1/pipelines/gone').expect(404);
    await tenant.delete('/v1/pipelines/gone').expect(404);
  });

  it('keeps tenants apart', async () => {
    const [a, b] = [await newTenant(), await newTenant()];
    await a.put('/v1/pipelines/private', newPipeline('private', { a: echo() })).expect(201);
    await b.get('/v1/pipelines/private').expect(404);
    await b.get('/v1/pipelines/private/versions').expect(404);
    await b.get('/v1/pipelines/private/versions/1').expect(404);
    await b.post('/v1/pipelines/private/runs', {}).expect(404);
    await b.delete('/v1/pipelines/private').expect(404);
    await a.get('/v1/pipelines/private').expect(200);
    expect((await b.get('/v1/pipelines').expect(200)).body.items).toEqual([]);
  });

  it('lists the installed plugins with their step schemas', async () => {
    const tenant = await newTenant();
    const { body } = await tenant.get('/v1/plugins').expect(200);
    const names = body.items.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['core', 'http', 'transform']));
    await api().get('/v1/plugins').expect(401);
  });
});

describe('GET /v1/pipelines/{name}/graph', () => {
  interface Node {
    id: string;
    status?: string;
    [key: string]: unknown;
  }
  const withoutStatus = ({ status: _, ...node }: Node) => node;

  it('draws a version without a run: nodes with their markers and edges from needs, the same graph a run of it has', async () => {
    const tenant = await newTenant();
    const name = uniqueName('drawn');
    const v1 = newPipeline(
      name,
      {
        list: { uses: 'core/echo@^1', name: 'List the files', with: { value: ['x', 'y'] } },
        each: { uses: 'core/echo@^1', needs: ['list'], forEach: '${{ steps.list.outputs.value }}', with: { value: '${{ item }}' } },
        fixed: { uses: 'core/echo@^1', needs: ['list'], forEach: ['a', 'b', 'c'], with: { value: '${{ item }}' } },
        maybe: echo({ needs: ['list'], if: false }),
        last: echo({ needs: ['each', 'fixed', 'maybe'] }),
      },
      { onFailure: [{ uses: 'core/echo@^1', name: 'Tell someone', with: { value: 'oops' } }] },
    );
    await tenant.put(`/v1/pipelines/${name}`, v1).expect(201);
    const { body: graph } = await tenant.get(`/v1/pipelines/${name}/graph`).expect(200);
    expect(graph.name).toBe(name);
    expect(graph.version).toBe(1);
    expect(graph.nodes).toEqual([
      { id: 'list', kind: 'step', uses: 'core/echo@^1', needs: [], name: 'List the files' },
      { id: 'each', kind: 'forEach', uses: 'core/echo@^1', needs: ['list'], forEach: { expression: '${{ steps.list.outputs.value }}' } },
      { id: 'fixed', kind: 'forEach', uses: 'core/echo@^1', needs: ['list'], forEach: { items: 3 } },
      { id: 'maybe', kind: 'step', uses: 'core/echo@^1', needs: ['list'], if: false },
      { id: 'last', kind: 'step', uses: 'core/echo@^1', needs: ['each', 'fixed', 'maybe'] },
      { id: 'onFailure[0]', kind: 'onFailure', uses: 'core/echo@^1', needs: [], name: 'Tell someone' },
    ]);
    expect(graph.edges).toEqual([
      { from: 'list', to: 'each' },
      { from: 'list', to: 'fixed' },
      { from: 'list', to: 'maybe' },
      { from: 'each', to: 'last' },
      { from: 'fixed', to: 'last' },
      { from: 'maybe', to: 'last' },
    ]);

    // A run of that version draws the same graph, each node with its status.
    const run = await waitForRun(tenant, (await tenant.post(`/v1/pipelines/${name}/runs`, { inputs: {} }).expect(202)).body.id);
    expect(run.status).toBe('succeeded');
    const { nodes, edges } = (run as unknown as { graph: { nodes: Node[]; edges: unknown[] } }).graph;
    expect(nodes.map(withoutStatus)).toEqual(graph.nodes);
    expect(edges).toEqual(graph.edges);
    expect(Object.fromEntries(nodes.map((n) => [n.id, n.status]))).toEqual({
      list: 'succeeded',
      each: 'succeeded',
      fixed: 'succeeded',
      maybe: 'skipped',
      last: 'succeeded',
      'onFailure[0]': 'skipped',
    });

    // Another version: the latest unless asked.
    const v2 = newPipeline(name, {
      gate: { approval: { roles: ['operator'], timeout: '2h' } },
      after: echo({ needs: ['gate'] }),
    });
    await tenant.put(`/v1/pipelines/${name}`, v2).expect(201);
    const latest = (await tenant.get(`/v1/pipelines/${name}/graph`).expect(200)).body;
    expect(latest.version).toBe(2);
    expect(latest.nodes).toEqual([
      { id: 'gate', kind: 'approval', uses: null, needs: [], approval: { roles: ['operator'], timeout: '2h', onTimeout: 'reject' } },
      { id: 'after', kind: 'step', uses: 'core/echo@^1', needs: ['gate'] },
    ]);
    expect(latest.edges).toEqual([{ from: 'gate', to: 'after' }]);
    expect((await tenant.get(`/v1/pipelines/${name}/graph?version=1`).expect(200)).body).toEqual(graph);
    expect((await tenant.get(`/v1/pipelines/${name}/graph?version=2`).expect(200)).body).toEqual(latest);
  });

  it("answers 404 for a pipeline or version that is not there, or another tenant's, 401 without a credential, 400 for a bad version", async () => {
    const tenant = await newTenant();
    const name = uniqueName('drawn');
    await tenant.put(`/v1/pipelines/${name}`, newPipeline(name, { a: echo() })).expect(201);
    expect((await tenant.get(`/v1/pipelines/${uniqueName('ghost')}/graph`).expect(404)).body.code).toBe('pipeline_not_found');
    expect((await tenant.get(`/v1/pipelines/${name}/graph?version=2`).expect(404)).body.code).toBe('version_not_found');
    const other = await newTenant();
    expect((await other.get(`/v1/pipelines/${name}/graph`).expect(404)).body.code).toBe('pipeline_not_found');
    expect((await other.get(`/v1/pipelines/${name}/graph?version=1`).expect(404)).body.code).toBe('pipeline_not_found');
    await api().get(`/v1/pipelines/${name}/graph`).expect(401);
    for (const query of ['version=0', 'version=one', 'version=1.5', 'version=99999999999', 'colour=red']) {
      const { body } = await tenant.get(`/v1/pipelines/${name}/graph?${query}`).expect(400);
      expect(body.errors[0].path, query).toMatch(/^query\./);
    }
    expect((await tenant.get(`/v1/pipelines/Not_Valid/graph`).expect(400)).body.errors[0].path).toBe('name');
    await tenant.delete(`/v1/pipelines/${name}`).expect(204);
    await tenant.get(`/v1/pipelines/${name}/graph`).expect(404);
  });
});
